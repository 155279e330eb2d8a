// The config schema: which keys exist (case-sensitive, PascalCase as in machbase-neo),
// what each accepts, and where it lands in NeoConfig. Validation turns a parsed file
// into a ConfigPatch plus a list of problems; it never stops at the first one.
import { isAbsolute, resolve } from "node:path";
import type { LogLevel } from "../lib/log.ts";
import type { Entry, KeySegment, Pos, Problem, Value } from "./parser.ts";
import { parseDuration } from "../lib/duration.ts";
import { parseListen } from "./listen.ts";
import { closest } from "./suggest.ts";
import { formatDuration, parseRetention } from "../lib/durations.ts";
import { scopeProblem } from "../lib/scopes.ts";
import type { BridgeConfig, ClientAuthMode, MqttLimits, QueryConfig } from "./types.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];
/** The largest packet MQTT can frame: 268,435,455 bytes of remaining length plus a 5-byte header. */
export const MQTT_MAX_PACKET = 268_435_460;

export interface TlsPatch {
  enabled?: boolean;
  clientAuth?: ClientAuthMode;
  certFile?: string;
  keyFile?: string;
}
export interface ServicePatch {
  host?: string;
  port?: number;
  enableTokenAuth?: boolean;
  maxMessageSizeLimit?: number;
  requireClientIdMatch?: boolean;
  persistence?: boolean;
  allowedHosts?: string[];
  limits?: Partial<MqttLimits>;
  metricsPublic?: boolean;
  tls: TlsPatch;
}
/** A `Bridge "name" { ... }` block as written (defaults are filled in by load). */
export type BridgePatch = Partial<Omit<BridgeConfig, "tls" | "buffer">> & {
  name: string;
  pos: Pos;
  tls: BridgeConfig["tls"];
  buffer: Partial<BridgeConfig["buffer"]>;
};
/** One source's contribution (file, env or flags); later sources override earlier ones key by key. */
export interface ConfigPatch {
  data?: string;
  logLevel?: LogLevel;
  http: ServicePatch;
  mqtt: ServicePatch;
  query?: Partial<QueryConfig>;
  guard: { maxFailures?: number; windowMs?: number; maxBanMs?: number };
  audit: { enabled?: boolean; maxEvents?: number };
  login: { accessTokenDurationMs?: number; refreshTokenDurationMs?: number };
  /** only a file has them */
  bridges?: BridgePatch[];
  auth?: { defaultScopes?: string[]; anonymousScopes?: string[] };
  storage: StoragePatch;
}
export interface StoragePatch {
  sync?: "full" | "normal";
  retention?: string;
  maxSize?: number;
  whenFull?: "refuse" | "drop-oldest";
}

export const emptyPatch = (): ConfigPatch => ({
  http: { tls: {} },
  mqtt: { tls: {} },
  storage: {},
  guard: {},
  audit: {},
  login: {},
});

/** "90d" / "off" (canonical text), checked with the store's own parser */
const retentionValue = (set: (p: ConfigPatch, r: string) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "string") return `expected a duration like "90d" or "off", got ${got(v)}`;
    try {
      const r = parseRetention(v.value);
      return (p) => set(p, r === null ? "off" : formatDuration(r));
    } catch (e) {
      return (e as Error).message;
    }
  },
});

interface Ctx {
  /** directory that relative paths in the file are resolved against */
  baseDir: string;
  problems: Problem[];
  /** full dotted key -> where it was set, for duplicates and cross-key checks */
  seen: Map<string, Pos>;
}

type Setter = (p: ConfigPatch) => void;
/** Reads a value; returns how to apply it, or a problem message (without the key path). */
type Reader = (v: Value, ctx: Ctx) => Setter | string;

interface LeafSpec {
  kind: "leaf";
  read: Reader;
}
interface BlockSpec {
  kind: "block";
  fields: Record<string, Spec>;
  /** machbase-neo keys neo does not take, with what to write instead */
  hints?: Record<string, string>;
}
/** `Key "label" { ... }`, any number of them: `start` opens a new one, `fields` fill it */
interface LabelledSpec {
  kind: "labelled";
  fields: Record<string, Spec>;
  /** checks the label; returns an error message or undefined */
  label(name: string): string | undefined;
  start(p: ConfigPatch, label: string, pos: Pos): void;
}
type Spec = LeafSpec | BlockSpec | LabelledSpec;

const typeName = (v: Value) => (v.kind === "bool" ? "boolean" : v.kind);
const got = (v: Value) =>
  v.kind === "string" ? `string ${JSON.stringify(v.value)}` : v.kind === "number" ? `number ${v.text}` : typeName(v);

const bool = (set: (p: ConfigPatch, b: boolean) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => (v.kind === "bool" ? (p) => set(p, v.value) : `expected boolean, got ${got(v)}`),
});

const int = (min: number, max: number, set: (p: ConfigPatch, n: number) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "number" || !Number.isInteger(v.value)) return `expected integer, got ${got(v)}`;
    if (v.value < min || v.value > max) return `${v.text} out of range (${min}-${max})`;
    return (p) => set(p, v.value);
  },
});

/** A duration: "10s", "500ms", "2m", "24h", "30d", "1h30m", or a number of seconds; stored in ms. */
const duration = (minMs: number, maxMs: number, set: (p: ConfigPatch, ms: number) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    let ms: number;
    if (v.kind === "number") ms = v.value * 1000;
    else if (v.kind === "string") {
      const r = parseDuration(v.value);
      if (!r.ok) return `expected a duration like "10s", "500ms" or "2m", got ${got(v)}`;
      ms = r.ms;
    } else return `expected a duration like "10s", got ${got(v)}`;
    if (!(ms >= minMs && ms <= maxMs)) return `${got(v)} out of range (${minMs / 1000}s-${maxMs / 1000}s)`;
    return (p) => set(p, Math.round(ms));
  },
});

const hostList = (set: (p: ConfigPatch, hosts: string[]) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "list") return `expected a list of host names like ["gateway.local"], got ${got(v)}`;
    const out: string[] = [];
    for (const it of v.items) {
      if (it.kind !== "string" || !/^[A-Za-z0-9.:[\]_-]+$/.test(it.value))
        return `expected host names (letters, digits, . - : [ ]), got ${got(it)}`;
      out.push(it.value.toLowerCase());
    }
    return (p) => set(p, out);
  },
});

const query =
  <K extends keyof QueryConfig>(k: K) =>
  (p: ConfigPatch, n: number) => {
    p.query ??= {};
    p.query[k] = n as QueryConfig[K];
  };
const mqttLimit =
  <K extends keyof MqttLimits>(k: K) =>
  (p: ConfigPatch, n: number) => {
    p.mqtt.limits ??= {};
    p.mqtt.limits[k] = n as MqttLimits[K];
  };

const oneOf = <T extends string>(values: readonly T[], set: (p: ConfigPatch, x: T) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    const expected = `expected one of ${values.map((x) => JSON.stringify(x)).join(", ")}`;
    if (v.kind !== "string") return `${expected}, got ${got(v)}`;
    const hit = values.find((x) => x === v.value);
    return hit === undefined ? `${expected}, got ${JSON.stringify(v.value)}` : (p) => set(p, hit);
  },
});

/** A file path; relative paths are relative to the config file's directory. */
const path = (set: (p: ConfigPatch, abs: string) => void): LeafSpec => ({
  kind: "leaf",
  read: (v, ctx) => {
    if (v.kind !== "string") return `expected string, got ${got(v)}`;
    if (v.value.trim() === "") return "expected a path, got an empty string";
    const abs = isAbsolute(v.value) ? v.value : resolve(ctx.baseDir, v.value);
    return (p) => set(p, abs);
  },
});

const listen = (svc: "http" | "mqtt"): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "string") return `expected string "host:port", got ${got(v)}`;
    const r = parseListen(v.value);
    if (!r.ok) return r.error;
    return (p) => {
      p[svc].host = r.value.host;
      p[svc].port = r.value.port;
    };
  },
});

const tls = (svc: "http" | "mqtt", modes: readonly ClientAuthMode[]): BlockSpec => ({
  kind: "block",
  fields: {
    Enabled: bool((p, b) => (p[svc].tls.enabled = b)),
    ClientAuth: oneOf(modes, (p, m) => (p[svc].tls.clientAuth = m)),
    CertFile: path((p, f) => (p[svc].tls.certFile = f)),
    KeyFile: path((p, f) => (p[svc].tls.keyFile = f)),
  },
});

// ---- Bridge "name" { ... } ----
const bridge = (p: ConfigPatch): BridgePatch => p.bridges?.at(-1) as BridgePatch;
const str = (set: (p: ConfigPatch, s: string) => void, allowEmpty = false): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "string") return `expected string, got ${got(v)}`;
    if (!allowEmpty && v.value === "") return "expected a value, got an empty string";
    return (p) => set(p, v.value);
  },
});
/** A topic filter's shape (MQTT 4.7.1): `#` only last and alone in its level, `+` alone in its level. */
export function filterProblem(f: string): string | undefined {
  if (f === "") return "empty topic filter";
  if (f.includes("\u0000")) return `topic filter ${JSON.stringify(f)} holds a NUL character`;
  const levels = f.split("/");
  for (const [i, l] of levels.entries()) {
    if (l.includes("#") && (l !== "#" || i !== levels.length - 1))
      return `topic filter ${JSON.stringify(f)}: "#" must be the whole last level`;
    if (l.includes("+") && l !== "+") return `topic filter ${JSON.stringify(f)}: "+" must be a whole level`;
  }
  return undefined;
}
const filters = (set: (p: ConfigPatch, list: string[]) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "list") return `expected a list of topic filters ["a/#", ...], got ${got(v)}`;
    const out: string[] = [];
    for (const item of v.items) {
      if (item.kind !== "string") return `expected topic filters as strings, got ${got(item)}`;
      const bad = filterProblem(item.value);
      if (bad) return bad;
      out.push(item.value);
    }
    return (p) => set(p, out);
  },
});
/** a list of scopes, each checked against the grammar (every bad one is named) */
const scopeList = (set: (p: ConfigPatch, list: string[]) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "list") return `expected a list of scopes ["topics:publish:devices/%c/#", ...], got ${got(v)}`;
    const out: string[] = [];
    const bad: string[] = [];
    for (const item of v.items) {
      if (item.kind !== "string") return `expected scopes as strings, got ${got(item)}`;
      const problem = scopeProblem(item.value);
      if (problem) bad.push(problem);
      else out.push(item.value.trim());
    }
    return bad.length ? bad.join("; ") : (p) => set(p, out);
  },
});
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
};
/** "256MB", "1.5GiB", "1000" or a plain number of bytes */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? "").toUpperCase()];
  if (!m || unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}
const size = (min: number, set: (p: ConfigPatch, n: number) => void): LeafSpec => ({
  kind: "leaf",
  read: (v) => {
    const n = v.kind === "number" ? v.value : v.kind === "string" ? parseSize(v.value) : undefined;
    if (n === undefined || !Number.isInteger(n))
      return `expected a size like "256MB", "1GiB" or a number of bytes, got ${got(v)}`;
    if (n < min) return `${n} bytes is too small (at least ${min})`;
    return (p) => set(p, n);
  },
});
export const BRIDGE_SCHEMES = ["mqtt:", "mqtts:", "ws:", "wss:"];
const address: LeafSpec = {
  kind: "leaf",
  read: (v) => {
    if (v.kind !== "string") return `expected a URL like "mqtts://broker.example.com:8883", got ${got(v)}`;
    let u: URL;
    try {
      u = new URL(v.value);
    } catch {
      return `invalid URL ${JSON.stringify(v.value)} (expected mqtt://, mqtts://, ws:// or wss://host:port)`;
    }
    if (!BRIDGE_SCHEMES.includes(u.protocol))
      return `unsupported scheme "${u.protocol.slice(0, -1)}" (use mqtt, mqtts, ws or wss)`;
    if (u.hostname === "") return `no host in ${JSON.stringify(v.value)}`;
    if (u.username || u.password) return "put credentials in Username and Password, not in the URL";
    return (p) => (bridge(p).address = v.value);
  },
};
const bridgeSpec: LabelledSpec = {
  kind: "labelled",
  label: (name) =>
    /^[A-Za-z0-9_-]{1,64}$/.test(name)
      ? undefined
      : `bridge name ${JSON.stringify(name)}: use 1-64 letters, digits, "-" or "_" (it names a file and a $SYS topic)`,
  start: (p, name, pos) => (p.bridges ??= []).push({ name, pos, tls: {}, buffer: {} }),
  fields: {
    Address: address,
    ClientId: str((p, s) => (bridge(p).clientId = s)),
    Protocol: {
      kind: "leaf",
      read: (v) =>
        v.kind === "number" && (v.value === 4 || v.value === 5)
          ? (p) => (bridge(p).protocol = v.value as 4 | 5)
          : `expected 4 (MQTT 3.1.1) or 5, got ${got(v)}`,
    },
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
      read: (v) => {
        if (v.kind !== "string") return `expected string, got ${got(v)}`;
        if (/[#+]/.test(v.value) || v.value.includes("\u0000")) return `a prefix cannot hold "#", "+" or NUL`;
        return (p) => (bridge(p).prefix = v.value);
      },
    },
    Subscribe: filters((p, l) => (bridge(p).subscribe = l)),
    Qos: {
      kind: "leaf",
      read: (v) =>
        v.kind === "number" && (v.value === 0 || v.value === 1)
          ? (p) => (bridge(p).qos = v.value as 0 | 1)
          : `expected 0 or 1, got ${got(v)}`,
    },
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

const LISTENERS_HINT = 'neo takes one address per service: Listen = "tcp://host:port"';

export const schema: BlockSpec = {
  kind: "block",
  fields: {
    Bridge: bridgeSpec,
    Data: path((p, d) => (p.data = d)),
    Auth: {
      kind: "block",
      fields: {
        DefaultScopes: scopeList((p, l) => ((p.auth ??= {}).defaultScopes = l)),
        AnonymousScopes: scopeList((p, l) => ((p.auth ??= {}).anonymousScopes = l)),
        AccessTokenDuration: duration(60_000, 7 * 86_400_000, (p, ms) => (p.login.accessTokenDurationMs = ms)),
        RefreshTokenDuration: duration(60_000, 365 * 86_400_000, (p, ms) => (p.login.refreshTokenDurationMs = ms)),
      },
    },
    Log: { kind: "block", fields: { Level: oneOf(LOG_LEVELS, (p, l) => (p.logLevel = l)) } },
    Http: {
      kind: "block",
      fields: {
        Listen: listen("http"),
        EnableTokenAuth: bool((p, b) => (p.http.enableTokenAuth = b)),
        AllowedHosts: hostList((p, h) => (p.http.allowedHosts = h)),
        MetricsPublic: bool((p, b) => (p.http.metricsPublic = b)),
        Tls: tls("http", ["none", "optional", "require"]),
      },
      hints: { Listeners: LISTENERS_HINT },
    },
    Query: {
      kind: "block",
      fields: {
        Timeout: duration(100, 3_600_000, (p, ms) => query("timeoutMs")(p, ms)),
        MaxRows: int(1, 100_000_000, query("maxRows")),
        MaxBytes: int(1024, 2 ** 32, query("maxBytes")),
        MaxMemory: int(32 * 1024 * 1024, 2 ** 40, query("maxMemory")),
        Workers: int(1, 64, query("workers")),
      },
    },
    Mqtt: {
      kind: "block",
      fields: {
        Listen: listen("mqtt"),
        EnableTokenAuth: bool((p, b) => (p.mqtt.enableTokenAuth = b)),
        MaxMessageSizeLimit: int(1, MQTT_MAX_PACKET, (p, n) => (p.mqtt.maxMessageSizeLimit = n)),
        RequireClientIdMatch: bool((p, b) => (p.mqtt.requireClientIdMatch = b)),
        Persistence: bool((p, b) => (p.mqtt.persistence = b)),
        MaxConnectSize: int(64, MQTT_MAX_PACKET, mqttLimit("maxConnectSize")),
        MaxUnauthenticatedBytes: int(65_536, 2 ** 40, mqttLimit("maxUnauthenticatedBytes")),
        MaxRetainedMessages: int(0, 100_000_000, mqttLimit("maxRetainedMessages")),
        MaxRetainedBytes: int(0, 2 ** 40, mqttLimit("maxRetainedBytes")),
        MaxRetainedBytesPerClient: int(0, 2 ** 40, mqttLimit("maxRetainedBytesPerClient")),
        MaxKeepAlive: int(1, 65_535, mqttLimit("maxKeepAlive")),
        Tls: tls("mqtt", ["require", "optional"]),
      },
      hints: {
        Bridge: 'a bridge is its own top-level block: Bridge "name" { Address = "mqtts://..." }',
        Listeners: LISTENERS_HINT,
        EnableTls: "write Tls { Enabled = true } instead",
        ServerCertPath: 'write Tls { CertFile = "..." } instead',
        ServerKeyPath: 'write Tls { KeyFile = "..." } instead',
      },
    },
    Guard: {
      kind: "block",
      fields: {
        MaxFailures: int(1, 1_000_000, (p, n) => (p.guard.maxFailures = n)),
        Window: duration(1000, 86_400_000, (p, ms) => (p.guard.windowMs = ms)),
        MaxBan: duration(1000, 7 * 86_400_000, (p, ms) => (p.guard.maxBanMs = ms)),
      },
    },
    Audit: {
      kind: "block",
      fields: {
        Enabled: bool((p, b) => (p.audit.enabled = b)),
        MaxEvents: int(1000, 100_000_000, (p, n) => (p.audit.maxEvents = n)),
      },
    },
    Storage: {
      kind: "block",
      fields: {
        Sync: oneOf(["full", "normal"] as const, (p, s) => (p.storage.sync = s)),
        Retention: retentionValue((p, r) => (p.storage.retention = r)),
        MaxSize: size(1_000_000, (p, n) => (p.storage.maxSize = n)),
        WhenFull: oneOf(["refuse", "drop-oldest"] as const, (p, w) => (p.storage.whenFull = w)),
      },
    },
  },
};

/** Every full key path in the schema, e.g. "Mqtt.Tls.Enabled", for "it belongs in ..." hints. */
function allPaths(spec: BlockSpec | LabelledSpec, prefix: string): string[] {
  return Object.entries(spec.fields).flatMap(([k, s]) => {
    const full = prefix ? `${prefix}.${k}` : k;
    // bridge keys are not suggested as homes for misplaced service keys
    return s.kind === "leaf" ? [full] : s.kind === "labelled" ? [] : [full, ...allPaths(s, full)];
  });
}
const ALL_PATHS = allPaths(schema, "");

function unknownKey(seg: KeySegment, spec: BlockSpec | LabelledSpec, prefix: string): string {
  const where = prefix ? ` in ${prefix}` : "";
  const head = `unknown key "${seg.name}"${where}`;
  const hint = spec.kind === "block" ? spec.hints?.[seg.name] : undefined;
  if (hint) return `${head}; ${hint}`;
  const names = Object.keys(spec.fields);
  const sameButCase = names.find((n) => n.toLowerCase() === seg.name.toLowerCase());
  if (sameButCase) return `${head}; did you mean "${sameButCase}"? (keys are case-sensitive)`;
  const near = closest(seg.name, names);
  if (near) return `${head}; did you mean "${near}"?`;
  const elsewhere = ALL_PATHS.filter((p) => p.endsWith(`.${seg.name}`) || p === seg.name);
  if (elsewhere.length > 0) return `${head}; it belongs in ${elsewhere.map((p) => `"${p}"`).join(" or ")}`;
  return `${head} (known keys${where}: ${names.join(", ")})`;
}

function applyEntry(
  spec: BlockSpec | LabelledSpec,
  key: KeySegment[],
  value: Value,
  prefix: string,
  patch: ConfigPatch,
  ctx: Ctx,
  label?: Entry["label"],
): void {
  const [seg, ...rest] = key;
  if (!seg) return;
  const full = prefix ? `${prefix}.${seg.name}` : seg.name;
  const field = spec.fields[seg.name];
  if (!field) {
    ctx.problems.push({ pos: seg.pos, message: unknownKey(seg, spec, prefix) });
    return;
  }
  if (label && field.kind !== "labelled") {
    ctx.problems.push({ pos: label.pos, message: `${full} takes no label: write ${full} { ... }` });
    return;
  }
  if (field.kind === "labelled") {
    if (!label || rest.length > 0 || value.kind !== "block") {
      ctx.problems.push({ pos: seg.pos, message: `${full} needs a name: ${seg.name} "name" { ... }` });
      return;
    }
    const bad = field.label(label.name);
    if (bad) {
      ctx.problems.push({ pos: label.pos, message: `${full}: ${bad}` });
      return;
    }
    const named = `${full} ${JSON.stringify(label.name)}`;
    const first = ctx.seen.get(named);
    if (first) {
      ctx.problems.push({ pos: label.pos, message: `${named}: defined twice (first at ${first.line}:${first.col})` });
      return;
    }
    ctx.seen.set(named, label.pos);
    field.start(patch, label.name, label.pos);
    for (const e of value.entries) applyEntry(field, e.key, e.value, named, patch, ctx, e.label);
    return;
  }
  if (field.kind === "block") {
    if (rest.length > 0) return applyEntry(field, rest, value, full, patch, ctx);
    if (value.kind !== "block") {
      ctx.problems.push({ pos: value.pos, message: `${full}: expected a block { ... }, got ${got(value)}` });
      return;
    }
    for (const e of value.entries) applyEntry(field, e.key, e.value, full, patch, ctx);
    return;
  }
  if (rest.length > 0) {
    ctx.problems.push({
      pos: seg.pos,
      message: `${full} is not a block, so "${full}.${rest.map((s) => s.name).join(".")}" does not exist`,
    });
    return;
  }
  const first = ctx.seen.get(full);
  if (first) {
    ctx.problems.push({ pos: seg.pos, message: `${full}: duplicate key (first set at ${first.line}:${first.col})` });
    return;
  }
  ctx.seen.set(full, seg.pos);
  const r = field.read(value, ctx);
  if (typeof r === "string") ctx.problems.push({ pos: value.pos, message: `${full}: ${r}` });
  else r(patch);
}

/** Validate parsed entries against the schema. Relative paths resolve against baseDir. */
export function validate(entries: Entry[], baseDir: string): { patch: ConfigPatch; problems: Problem[] } {
  const ctx: Ctx = { baseDir, problems: [], seen: new Map() };
  const patch = emptyPatch();
  for (const e of entries) applyEntry(schema, e.key, e.value, "", patch, ctx, e.label);
  for (const svc of ["Http", "Mqtt"] as const) {
    const cert = ctx.seen.get(`${svc}.Tls.CertFile`);
    const key = ctx.seen.get(`${svc}.Tls.KeyFile`);
    if ((cert === undefined) !== (key === undefined)) {
      const [has, missing] = cert ? ["CertFile", "KeyFile"] : ["KeyFile", "CertFile"];
      ctx.problems.push({
        pos: (cert ?? key) as Pos,
        message: `${svc}.Tls.${has} is set but ${svc}.Tls.${missing} is not; give both or neither`,
      });
    }
  }
  for (const b of patch.bridges ?? []) checkBridge(b, ctx);
  return { patch, problems: ctx.problems };
}

function checkBridge(b: BridgePatch, ctx: Ctx): void {
  const at = (key: string) => ctx.seen.get(`Bridge ${JSON.stringify(b.name)}.${key}`) ?? b.pos;
  const say = (pos: Pos, message: string) => ctx.problems.push({ pos, message: `Bridge "${b.name}": ${message}` });
  if (!ctx.seen.has(`Bridge ${JSON.stringify(b.name)}.Address`))
    say(b.pos, 'Address is required (e.g. Address = "mqtts://broker.example.com:8883")');
  if ((b.tls.certFile === undefined) !== (b.tls.keyFile === undefined))
    say(at(b.tls.certFile ? "Tls.CertFile" : "Tls.KeyFile"), "give both Tls.CertFile and Tls.KeyFile, or neither");
  const secure = b.address?.startsWith("mqtts:") || b.address?.startsWith("wss:");
  const tlsKey = ["CaFile", "CertFile", "KeyFile", "ServerName"].find((k) =>
    ctx.seen.has(`Bridge ${JSON.stringify(b.name)}.Tls.${k}`),
  );
  if (b.address && !secure && tlsKey) say(at(`Tls.${tlsKey}`), "Tls settings need an mqtts:// or wss:// Address");
  if (!b.forward?.length && !b.subscribe?.length)
    say(b.pos, "nothing to do: give Forward and/or Subscribe topic filters");
  if (b.password !== undefined && b.username === undefined) say(at("Password"), "Password needs a Username");
}
