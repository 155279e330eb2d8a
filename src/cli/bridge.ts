// `neo bridge status`: each bridge's uplink and queue, read from its queue file (works
// with or without a running server). `neo bridge identity`: the gateway's own key and
// a certificate request (or a self-signed certificate) for enrolling upstream.
import { hostname } from "node:os";
import { join } from "node:path";
import { bridgeNames, readBridgeStatus, type StoredBridgeStatus } from "../bridge/index.ts";
import { loadConfig } from "../config/index.ts";
import { NeoError, usageError } from "../lib/errors.ts";
import { makeIdentity } from "../pki/index.ts";
import { commonArgs, command } from "./common.ts";
import { writeNew } from "./shell-key-io.ts";
import { age, linkState, printedAsJsonOrNone, STALE_MS } from "./uplink-status.ts";

function describe(s: StoredBridgeStatus, now: number): Record<string, unknown> {
  const live = s.live && !s.live.stopped && now - s.live.updatedAt < STALE_MS ? s.live : null;
  return {
    name: s.name,
    address: s.live?.address ?? null,
    running: live !== null,
    connected: live?.connected ?? false,
    lastError: live?.lastError || null,
    queuedMessages: s.queuedMessages,
    queuedBytes: s.queuedBytes,
    oldestAgeSeconds: s.oldestAgeSeconds === null ? null : Math.round(s.oldestAgeSeconds),
    sentPerSecond: live?.sentPerSecond ?? 0,
    sentTotal: live?.sentTotal ?? 0,
    dropped: s.dropped,
    policy: s.live?.policy ?? null,
    rejectedByUpstream: live?.rejectedByUpstream ?? 0,
    receivedFromUpstream: live?.receivedFromUpstream ?? 0,
    deniedFromUpstream: live?.deniedFromUpstream ?? 0,
  };
}

const status = command({
  meta: {
    name: "status",
    description: "Show each bridge: connected, queued messages and bytes, oldest age, sent/s, dropped",
  },
  args: {
    ...commonArgs,
    name: { type: "positional", required: false, description: "only this bridge" },
    json: { type: "boolean", description: "print JSON (one object per bridge, in an array)" },
  },
  run({ args }) {
    const cfg = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
    const names = [...new Set([...(cfg.bridges ?? []).map((b) => b.name), ...bridgeNames(cfg.data)])].sort();
    const wanted = args.name ? [args.name] : names;
    if (args.name && !names.includes(args.name))
      throw new NeoError("not_found", `no bridge "${args.name}" (known: ${names.join(", ") || "none"})`, 404);
    const now = Date.now();
    const have = new Set(bridgeNames(cfg.data));
    const rows = wanted.map((n) =>
      have.has(n)
        ? describe(readBridgeStatus(cfg.data, n, now), now)
        : { name: n, running: false, connected: false, queuedMessages: 0, queuedBytes: 0, note: "never started" },
    );
    if (printedAsJsonOrNone(rows, args.json, `no bridges (none configured, no bridge-*.db in ${cfg.data})`)) return;
    for (const r of rows) {
      const state = linkState(r);
      process.stdout.write(
        `${r.name}: ${state}${r.address ? ` to ${r.address}` : ""}\n` +
          `  queued ${r.queuedMessages} messages, ${r.queuedBytes} bytes, oldest ${age((r.oldestAgeSeconds as number | null) ?? null)}\n` +
          `  sent ${(r.sentPerSecond as number | undefined)?.toFixed(1) ?? "0.0"}/s, dropped ${r.dropped ?? 0}${r.policy ? ` (${r.policy})` : ""}` +
          `, from upstream ${r.receivedFromUpstream ?? 0} delivered, ${r.deniedFromUpstream ?? 0} denied\n`,
      );
    }
  },
});

const identity = command({
  meta: {
    name: "identity",
    description:
      "Make the gateway's key and a certificate request (or --self-signed certificate) for the upstream broker",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      description: "file prefix: writes <prefix>.key and <prefix>.csr (or .crt); default ./bridge-<cn>",
    },
    cn: { type: "string", description: "subject common name (default: the host name; use the bridge's ClientId)" },
    dns: { type: "string", description: "extra DNS names for the subjectAltName, comma-separated" },
    "key-type": { type: "string", description: "ec (P-256, default) or rsa (2048)" },
    "self-signed": { type: "boolean", description: "write a self-signed certificate instead of a request" },
    days: { type: "string", description: "validity of a self-signed certificate in days (default 825)" },
  },
  async run({ args }) {
    const cn = args.cn ?? hostname();
    const keyType = args["key-type"] ?? "ec";
    if (keyType !== "ec" && keyType !== "rsa")
      throw usageError(`--key-type: expected ec or rsa, got ${JSON.stringify(keyType)}`);
    const days = args.days === undefined ? 825 : Number(args.days);
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw usageError(`--days: expected 1-3650, got ${JSON.stringify(args.days)}`);
    if (args.days !== undefined && !args["self-signed"]) throw usageError("--days goes with --self-signed");
    const prefix = args.output ?? join(process.cwd(), `bridge-${cn.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
    const id = await makeIdentity({
      commonName: cn,
      keyType,
      dnsNames: args.dns
        ? args.dns
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
      ...(args["self-signed"] ? { selfSignedDays: days } : {}),
    });
    const second = id.certPem
      ? { file: `${prefix}.crt`, text: id.certPem }
      : { file: `${prefix}.csr`, text: id.csrPem ?? "" };
    writeNew(`${prefix}.key`, id.keyPem, 0o600);
    writeNew(second.file, second.text, 0o644);
    process.stdout.write(
      `Save key ${prefix}.key (0600)\nSave ${id.certPem ? "self-signed certificate" : "certificate request"} ${second.file}\n` +
        (id.certPem
          ? "Give the certificate to the upstream broker to trust; point Bridge Tls { CertFile, KeyFile } at these files.\n"
          : "Have the upstream CA sign the request; point Bridge Tls { CertFile, KeyFile } at the signed certificate and the key.\n"),
    );
  },
});

export default command({
  meta: {
    name: "bridge",
    description: "Bridges to upstream MQTT brokers: status, and the gateway's identity for enrolling",
  },
  subCommands: { status, identity },
});
