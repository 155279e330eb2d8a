// Bridge "name" { ... }: upstream MQTT brokers (any number, each with its own name).
import { hostname } from "node:os";
import type { Pos } from "../parser.ts";
import type { BridgeConfig } from "../types.ts";
import { filters, int, oneOf, path, scopeList, size, str } from "./leaves.ts";
import type { BridgePatch, ConfigPatch } from "./patch.ts";
import { got, list, q, type Ctx, type LabelledSpec, type LeafSpec, type Section } from "./spec.ts";

const BRIDGE_DEFAULTS = {
  protocol: 5,
  qos: 1,
  maxMessages: 1_000_000,
  maxBytes: 256_000_000,
  policy: "drop-oldest",
  maxRate: 0,
  keepAlive: 60,
  sessionExpiry: 7 * 86_400,
} as const;

/** the block being read (start() opened it) */
const bridge = (p: ConfigPatch): BridgePatch => p.bridges?.at(-1) as BridgePatch;
const SCHEMES = ["mqtt:", "mqtts:", "ws:", "wss:"];

const address: LeafSpec = {
  kind: "leaf",
  type: "URL: mqtt://, mqtts://, ws:// or wss://host:port (credentials go in Username and Password)",
  read: (v) => {
    if (v.kind !== "string") return `expected a URL like "mqtts://broker.example.com:8883", got ${got(v)}`;
    let u: URL;
    try {
      u = new URL(v.value);
    } catch {
      return `invalid URL ${JSON.stringify(v.value)} (expected mqtt://, mqtts://, ws:// or wss://host:port)`;
    }
    if (!SCHEMES.includes(u.protocol))
      return `unsupported scheme "${u.protocol.slice(0, -1)}" (use mqtt, mqtts, ws or wss)`;
    if (u.hostname === "") return `no host in ${JSON.stringify(v.value)}`;
    if (u.username || u.password) return "put credentials in Username and Password, not in the URL";
    return (p) => (bridge(p).address = v.value);
  },
};
const choice = <T extends number>(
  values: readonly T[],
  say: string,
  set: (p: ConfigPatch, n: T) => void,
): LeafSpec => ({
  kind: "leaf",
  type: say,
  read: (v) => {
    const hit = v.kind === "number" ? values.find((x) => x === v.value) : undefined;
    return hit === undefined ? `expected ${say}, got ${got(v)}` : (p) => set(p, hit);
  },
});

const spec: LabelledSpec = {
  kind: "labelled",
  label: (name) =>
    /^[A-Za-z0-9_-]{1,64}$/.test(name)
      ? undefined
      : `bridge name ${JSON.stringify(name)}: use 1-64 letters, digits, "-" or "_" (it names a file and a $SYS topic)`,
  start: (p, name, pos) => (p.bridges ??= []).push({ name, pos, tls: {}, buffer: {} }),
  fields: {
    Address: address,
    ClientId: str((p, s) => (bridge(p).clientId = s)),
    Protocol: choice([4, 5] as const, "4 (MQTT 3.1.1) or 5", (p, n) => (bridge(p).protocol = n)),
    Username: str((p, s) => (bridge(p).username = s)),
    Password: str((p, s) => (bridge(p).password = s), true),
    Tls: {
      kind: "block",
      fields: {
        CaFile: path((p, f) => (bridge(p).tls.caFile = f)),
        CertFile: path((p, f) => (bridge(p).tls.certFile = f)),
        KeyFile: path((p, f) => (bridge(p).tls.keyFile = f)),
        ServerName: str((p, s) => (bridge(p).tls.serverName = s)),
      },
    },
    Forward: filters((p, l) => (bridge(p).forward = l)),
    Prefix: {
      kind: "leaf",
      type: 'string without "#", "+" or NUL',
      read: (v) => {
        if (v.kind !== "string") return `expected string, got ${got(v)}`;
        if (/[#+]/.test(v.value) || v.value.includes("\u0000")) return `a prefix cannot hold "#", "+" or NUL`;
        return (p) => (bridge(p).prefix = v.value);
      },
    },
    Subscribe: filters((p, l) => (bridge(p).subscribe = l)),
    Qos: choice([0, 1] as const, "0 or 1", (p, n) => (bridge(p).qos = n)),
    Buffer: {
      kind: "block",
      fields: {
        MaxMessages: int(1, 1_000_000_000, (p, n) => (bridge(p).buffer.maxMessages = n)),
        MaxBytes: size(1024, (p, n) => (bridge(p).buffer.maxBytes = n)),
        Policy: oneOf(["drop-oldest", "refuse-new"] as const, (p, x) => (bridge(p).buffer.policy = x)),
      },
    },
    MaxRate: int(0, 10_000_000, (p, n) => (bridge(p).maxRate = n)),
    KeepAlive: int(0, 65535, (p, n) => (bridge(p).keepAlive = n)),
    SessionExpiry: int(0, 4_294_967_295, (p, n) => (bridge(p).sessionExpiry = n)),
    Scopes: scopeList((p, l) => (bridge(p).scopes = l)),
  },
};

function checkBridge(b: BridgePatch, ctx: Ctx): void {
  const key = (k: string) => `Bridge ${JSON.stringify(b.name)}.${k}`;
  const at = (k: string): Pos => ctx.seen.get(key(k)) ?? b.pos;
  const say = (pos: Pos, message: string) => ctx.problems.push({ pos, message: `Bridge "${b.name}": ${message}` });
  if (!ctx.seen.has(key("Address")))
    say(b.pos, 'Address is required (e.g. Address = "mqtts://broker.example.com:8883")');
  if ((b.tls.certFile === undefined) !== (b.tls.keyFile === undefined))
    say(at(b.tls.certFile ? "Tls.CertFile" : "Tls.KeyFile"), "give both Tls.CertFile and Tls.KeyFile, or neither");
  const secure = b.address?.startsWith("mqtts:") || b.address?.startsWith("wss:");
  const tlsKey = ["CaFile", "CertFile", "KeyFile", "ServerName"].find((k) => ctx.seen.has(key(`Tls.${k}`)));
  if (b.address && !secure && tlsKey) say(at(`Tls.${tlsKey}`), "Tls settings need an mqtts:// or wss:// Address");
  if (!b.forward?.length && !b.subscribe?.length)
    say(b.pos, "nothing to do: give Forward and/or Subscribe topic filters");
  if (b.password !== undefined && b.username === undefined) say(at("Password"), "Password needs a Username");
}

/** A bridge block with the defaults filled in (ClientId: the host name). */
function resolveBridge(b: BridgePatch): BridgeConfig {
  const d = BRIDGE_DEFAULTS;
  const out: BridgeConfig = {
    name: b.name,
    address: b.address ?? "",
    clientId: b.clientId ?? hostname(),
    protocol: b.protocol ?? d.protocol,
    tls: { ...b.tls },
    forward: b.forward ?? [],
    prefix: b.prefix ?? "",
    subscribe: b.subscribe ?? [],
    qos: b.qos ?? d.qos,
    buffer: {
      maxMessages: b.buffer.maxMessages ?? d.maxMessages,
      maxBytes: b.buffer.maxBytes ?? d.maxBytes,
      policy: b.buffer.policy ?? d.policy,
    },
    maxRate: b.maxRate ?? d.maxRate,
    keepAlive: b.keepAlive ?? d.keepAlive,
    sessionExpiry: b.sessionExpiry ?? d.sessionExpiry,
    scopes: b.scopes ?? [],
  };
  if (b.username !== undefined) out.username = b.username;
  if (b.password !== undefined) out.password = b.password;
  return out;
}

/** A bridge block; the password is never printed. */
function bridgeLines(b: BridgeConfig, i: number): string[] {
  const out = [
    ...(i > 0 ? [""] : []),
    `Bridge ${q(b.name)} {`,
    `  Address = ${q(b.address)}`,
    `  ClientId = ${q(b.clientId)}`,
    `  Protocol = ${b.protocol}`,
  ];
  if (b.username !== undefined) out.push(`  Username = ${q(b.username)}`);
  if (b.password !== undefined) out.push("  # Password is set (not shown)");
  const t = b.tls;
  const tls = [
    t.caFile !== undefined ? `CaFile = ${q(t.caFile)}` : "",
    t.certFile !== undefined ? `CertFile = ${q(t.certFile)}` : "",
    t.keyFile !== undefined ? `KeyFile = ${q(t.keyFile)}` : "",
    t.serverName !== undefined ? `ServerName = ${q(t.serverName)}` : "",
  ].filter(Boolean);
  if (tls.length) out.push(`  Tls { ${tls.join(", ")} }`);
  out.push(
    `  Forward = ${list(b.forward)}`,
    `  Prefix = ${q(b.prefix)}`,
    `  Subscribe = ${list(b.subscribe)}`,
    `  Qos = ${b.qos}`,
    `  Buffer { MaxMessages = ${b.buffer.maxMessages}, MaxBytes = ${b.buffer.maxBytes}, Policy = ${q(b.buffer.policy)} }`,
    `  MaxRate = ${b.maxRate}`,
    `  KeepAlive = ${b.keepAlive}`,
    `  SessionExpiry = ${b.sessionExpiry}`,
    `  Scopes = ${list(b.scopes)}`,
    "}",
  );
  return out;
}

export const bridgeSection: Section = {
  key: "Bridge",
  spec,
  check: (p, ctx) => {
    for (const b of p.bridges ?? []) checkBridge(b, ctx);
  },
  apply: (cfg, p) => {
    if (p.bridges) cfg.bridges = p.bridges.map(resolveBridge);
  },
  format: (cfg) => (cfg.bridges ?? []).flatMap(bridgeLines),
  sample: () => `# Bridges to upstream MQTT brokers (any number, each with its own name). Forwarded
# QoS 1 messages are kept in <data>/bridge-<name>.db until the upstream acknowledged
# them; \`neo bridge status\` shows each one. None by default; for example:
# Bridge "cloud" {
#   Address   = "mqtts://broker.example.com:8883"   # mqtt://, mqtts://, ws://, wss://
#   ClientId  = "site-17"                           # default: the host name
#   Tls { CaFile = "cloud-ca.pem", CertFile = "site-17.crt", KeyFile = "site-17.key" }
#   Forward   = ["sensors/#"]                       # local topics sent upstream
#   Prefix    = "sites/site-17/"                    # prepended upstream, stripped coming back
#   Subscribe = ["sites/site-17/commands/#"]        # upstream topics delivered locally
#   Scopes    = ["topics:publish:commands/#"]       # what upstream messages may do here
#   Buffer { MaxMessages = 1000000, MaxBytes = "256MB", Policy = "drop-oldest" }
# }`,
};
