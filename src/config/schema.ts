// The config schema: which keys exist (case-sensitive, PascalCase as in machbase-neo),
// what each accepts, and where it lands in NeoConfig. Validation turns a parsed file
// into a ConfigPatch plus a list of problems; it never stops at the first one.
import { isAbsolute, resolve } from "node:path";
import type { LogLevel } from "../lib/log.ts";
import type { Entry, KeySegment, Pos, Problem, Value } from "./parser.ts";
import { parseListen } from "./listen.ts";
import { closest } from "./suggest.ts";
import type { ClientAuthMode } from "./types.ts";

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
  tls: TlsPatch;
}
/** One source's contribution (file, env or flags); later sources override earlier ones key by key. */
export interface ConfigPatch {
  data?: string;
  logLevel?: LogLevel;
  http: ServicePatch;
  mqtt: ServicePatch;
}

export const emptyPatch = (): ConfigPatch => ({ http: { tls: {} }, mqtt: { tls: {} } });

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
type Spec = LeafSpec | BlockSpec;

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

const LISTENERS_HINT = 'neo takes one address per service: Listen = "tcp://host:port"';

export const schema: BlockSpec = {
  kind: "block",
  fields: {
    Data: path((p, d) => (p.data = d)),
    Log: { kind: "block", fields: { Level: oneOf(LOG_LEVELS, (p, l) => (p.logLevel = l)) } },
    Http: {
      kind: "block",
      fields: {
        Listen: listen("http"),
        EnableTokenAuth: bool((p, b) => (p.http.enableTokenAuth = b)),
        Tls: tls("http", ["none", "optional", "require"]),
      },
      hints: { Listeners: LISTENERS_HINT },
    },
    Mqtt: {
      kind: "block",
      fields: {
        Listen: listen("mqtt"),
        EnableTokenAuth: bool((p, b) => (p.mqtt.enableTokenAuth = b)),
        MaxMessageSizeLimit: int(1, MQTT_MAX_PACKET, (p, n) => (p.mqtt.maxMessageSizeLimit = n)),
        RequireClientIdMatch: bool((p, b) => (p.mqtt.requireClientIdMatch = b)),
        Persistence: bool((p, b) => (p.mqtt.persistence = b)),
        Tls: tls("mqtt", ["require", "optional"]),
      },
      hints: {
        Listeners: LISTENERS_HINT,
        EnableTls: "write Tls { Enabled = true } instead",
        ServerCertPath: 'write Tls { CertFile = "..." } instead',
        ServerKeyPath: 'write Tls { KeyFile = "..." } instead',
      },
    },
  },
};

/** Every full key path in the schema, e.g. "Mqtt.Tls.Enabled", for "it belongs in ..." hints. */
function allPaths(spec: BlockSpec, prefix: string): string[] {
  return Object.entries(spec.fields).flatMap(([k, s]) => {
    const full = prefix ? `${prefix}.${k}` : k;
    return s.kind === "block" ? [full, ...allPaths(s, full)] : [full];
  });
}
const ALL_PATHS = allPaths(schema, "");

function unknownKey(seg: KeySegment, spec: BlockSpec, prefix: string): string {
  const where = prefix ? ` in ${prefix}` : "";
  const head = `unknown key "${seg.name}"${where}`;
  const hint = spec.hints?.[seg.name];
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
  spec: BlockSpec,
  key: KeySegment[],
  value: Value,
  prefix: string,
  patch: ConfigPatch,
  ctx: Ctx,
): void {
  const [seg, ...rest] = key;
  if (!seg) return;
  const full = prefix ? `${prefix}.${seg.name}` : seg.name;
  const field = spec.fields[seg.name];
  if (!field) {
    ctx.problems.push({ pos: seg.pos, message: unknownKey(seg, spec, prefix) });
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
  for (const e of entries) applyEntry(schema, e.key, e.value, "", patch, ctx);
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
  return { patch, problems: ctx.problems };
}
