// Resolve the configuration: defaults < config file < NEO_* environment < CLI flags.
// Every problem from every source is collected and thrown together as one
// NeoError("config_invalid"), one problem per line:
//   neo.conf:3:21: Http.EnableTokenAuth: expected boolean, got string "yes"
//   env NEO_HTTP_PORT: invalid port "http" (expected an integer 0-65535)
//   flag --mqtt-port: port 70000 out of range (0-65535)
// Relative paths: `Data`, `CertFile`, `KeyFile` in a file are relative to the file's
// directory; NEO_DATA, --data and the default "./neo-data" are relative to cwd.
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { NeoError } from "../lib/errors.ts";
import type { LogLevel } from "../lib/log.ts";
import { formatListen, parseHost, parsePort } from "./listen.ts";
import { parse } from "./parser.ts";
import { emptyPatch, LOG_LEVELS, validate, type BridgePatch, type ConfigPatch } from "./schema.ts";
import type { BridgeConfig, MqttLimits, NeoConfig, QueryConfig, TlsConfig } from "./types.ts";

export interface ConfigFlags {
  data?: string;
  host?: string;
  httpPort?: number;
  mqttPort?: number;
  httpEnableTokenAuth?: boolean;
  mqttEnableTokenAuth?: boolean;
  mqttEnableTls?: boolean;
  logLevel?: LogLevel;
}

export interface LoadOptions {
  /** config file; falls back to env.NEO_CONFIG; none means defaults + env + flags */
  file?: string;
  /** defaults to process.env */
  env?: Record<string, string | undefined>;
  flags?: ConfigFlags;
  /** defaults to process.cwd() */
  cwd?: string;
}

export const DEFAULT_DATA = "./neo-data";
export const DEFAULT_HTTP_PORT = 5654;
export const DEFAULT_MQTT_PORT = 5653;
export const DEFAULT_MAX_MESSAGE_SIZE = 1_048_576;
/** Query.* defaults for a 1 GB Raspberry Pi (README "Query limits" says why) */
export const DEFAULT_QUERY: QueryConfig = {
  workers: 2,
  timeoutMs: 10_000,
  maxRows: 1_000_000,
  maxBytes: 16 * 1024 * 1024,
  maxMemory: 256 * 1024 * 1024,
};
/** Mqtt limits (README "Limits on unauthenticated and retained data") */
export const DEFAULT_MQTT_LIMITS: MqttLimits = {
  maxConnectSize: 64 * 1024,
  maxUnauthenticatedBytes: 16 * 1024 * 1024,
  maxRetainedMessages: 10_000,
  maxRetainedBytes: 64 * 1024 * 1024,
  maxRetainedBytesPerClient: 8 * 1024 * 1024,
  maxKeepAlive: 65_535,
};

export const BRIDGE_DEFAULTS = {
  protocol: 5,
  qos: 1,
  maxMessages: 1_000_000,
  maxBytes: 256_000_000,
  policy: "drop-oldest",
  maxRate: 0,
  keepAlive: 60,
  sessionExpiry: 7 * 86_400,
} as const;

/** A bridge block with the defaults filled in (ClientId: the host name). */
export function resolveBridge(b: BridgePatch): BridgeConfig {
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

/** true/false, 1/0, yes/no, on/off (any case); anything else is undefined. */
export function parseBool(s: string): boolean | undefined {
  switch (s.trim().toLowerCase()) {
    case "true":
    case "1":
    case "yes":
    case "on":
      return true;
    case "false":
    case "0":
    case "no":
    case "off":
      return false;
    default:
      return undefined;
  }
}

/** The built-in defaults, with `data` resolved against cwd. */
export function defaultConfig(cwd: string = process.cwd()): NeoConfig {
  const tls = (clientAuth: TlsConfig["clientAuth"]): TlsConfig => ({ enabled: false, clientAuth });
  return {
    data: resolve(cwd, DEFAULT_DATA),
    log: { level: "info" },
    http: {
      listen: { host: "127.0.0.1", port: DEFAULT_HTTP_PORT },
      enableTokenAuth: false,
      tls: tls("none"),
      allowedHosts: [],
    },
    query: { ...DEFAULT_QUERY },
    mqtt: {
      ...DEFAULT_MQTT_LIMITS,
      listen: { host: "127.0.0.1", port: DEFAULT_MQTT_PORT },
      enableTokenAuth: false,
      maxMessageSizeLimit: DEFAULT_MAX_MESSAGE_SIZE,
      requireClientIdMatch: false,
      persistence: true,
      tls: tls("require"),
    },
    storage: { sync: "full", retention: "off", whenFull: "refuse" },
    guard: { maxFailures: 10, windowMs: 60_000, maxBanMs: 15 * 60_000 },
    audit: { enabled: true, maxEvents: 100_000 },
    login: { accessTokenDurationMs: 3_600_000, refreshTokenDurationMs: 24 * 3_600_000 },
  };
}

/** Parse and validate config text; `name` is used in problem locations, `baseDir` for relative paths. */
export function parseConfigText(
  text: string,
  name: string,
  baseDir: string,
): { patch: ConfigPatch; problems: string[] } {
  const parsed = parse(text);
  const checked = validate(parsed.entries, baseDir);
  const all = [...parsed.problems, ...checked.problems].sort(
    (a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
  return { patch: checked.patch, problems: all.map((p) => `${name}:${p.pos.line}:${p.pos.col}: ${p.message}`) };
}

function readEnv(env: Record<string, string | undefined>, cwd: string, problems: string[]): ConfigPatch {
  const p = emptyPatch();
  // an empty variable counts as unset (systemd EnvironmentFile= and `NEO_X= cmd` habits)
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
  };
  const bad = (name: string, msg: string) => problems.push(`env ${name}: ${msg}`);
  const bool = (name: string, set: (b: boolean) => void) => {
    const v = get(name);
    if (v === undefined) return;
    const b = parseBool(v);
    if (b === undefined) bad(name, `expected a boolean (true/false, 1/0, yes/no, on/off), got ${JSON.stringify(v)}`);
    else set(b);
  };
  const port = (name: string, set: (n: number) => void) => {
    const v = get(name);
    if (v === undefined) return;
    const r = parsePort(v);
    if (r.ok) set(r.value);
    else bad(name, r.error);
  };
  const data = get("NEO_DATA");
  if (data !== undefined) p.data = resolve(cwd, data);
  const host = get("NEO_HOST");
  if (host !== undefined) {
    const r = parseHost(host);
    if (r.ok) p.http.host = p.mqtt.host = r.value;
    else bad("NEO_HOST", r.error);
  }
  port("NEO_HTTP_PORT", (n) => (p.http.port = n));
  port("NEO_MQTT_PORT", (n) => (p.mqtt.port = n));
  bool("NEO_HTTP_ENABLE_TOKEN_AUTH", (b) => (p.http.enableTokenAuth = b));
  bool("NEO_HTTP_METRICS_PUBLIC", (b) => (p.http.metricsPublic = b));
  bool("NEO_MQTT_ENABLE_TOKEN_AUTH", (b) => (p.mqtt.enableTokenAuth = b));
  bool("NEO_MQTT_ENABLE_TLS", (b) => (p.mqtt.tls.enabled = b));
  const level = get("NEO_LOG_LEVEL");
  if (level !== undefined) {
    const hit = LOG_LEVELS.find((l) => l === level.trim().toLowerCase());
    if (hit) p.logLevel = hit;
    else bad("NEO_LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  }
  return p;
}

function readFlags(f: ConfigFlags, cwd: string, problems: string[]): ConfigPatch {
  const p = emptyPatch();
  const bad = (flag: string, msg: string) => problems.push(`flag --${flag}: ${msg}`);
  const port = (flag: string, n: number | undefined, set: (n: number) => void) => {
    if (n === undefined) return;
    const r = Number.isInteger(n)
      ? parsePort(n)
      : ({ ok: false, error: `invalid port "${n}" (expected an integer 0-65535)` } as const);
    if (r.ok) set(r.value);
    else bad(flag, r.error);
  };
  if (f.data !== undefined) {
    if (f.data.trim() === "") bad("data", "expected a directory, got an empty string");
    else p.data = resolve(cwd, f.data);
  }
  if (f.host !== undefined) {
    const r = parseHost(f.host);
    if (r.ok) p.http.host = p.mqtt.host = r.value;
    else bad("host", r.error);
  }
  port("http-port", f.httpPort, (n) => (p.http.port = n));
  port("mqtt-port", f.mqttPort, (n) => (p.mqtt.port = n));
  if (f.httpEnableTokenAuth !== undefined) p.http.enableTokenAuth = f.httpEnableTokenAuth;
  if (f.mqttEnableTokenAuth !== undefined) p.mqtt.enableTokenAuth = f.mqttEnableTokenAuth;
  if (f.mqttEnableTls !== undefined) p.mqtt.tls.enabled = f.mqttEnableTls;
  if (f.logLevel !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(f.logLevel)) p.logLevel = f.logLevel;
    else bad("log-level", `expected one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(f.logLevel)}`);
  }
  return p;
}

/** the keys of a patch block that are set */
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Apply a patch onto a config (mutates and returns it); undefined keys leave the value alone. */
function apply(cfg: NeoConfig, p: ConfigPatch): NeoConfig {
  const def = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
  cfg.data = def(p.data, cfg.data);
  cfg.log.level = def(p.logLevel, cfg.log.level);
  for (const svc of ["http", "mqtt"] as const) {
    const s = p[svc];
    const c = cfg[svc];
    c.listen.host = def(s.host, c.listen.host);
    c.listen.port = def(s.port, c.listen.port);
    c.enableTokenAuth = def(s.enableTokenAuth, c.enableTokenAuth);
    c.tls.enabled = def(s.tls.enabled, c.tls.enabled);
    c.tls.clientAuth = def(s.tls.clientAuth, c.tls.clientAuth);
    if (s.tls.certFile !== undefined) c.tls.certFile = s.tls.certFile;
    if (s.tls.keyFile !== undefined) c.tls.keyFile = s.tls.keyFile;
  }
  cfg.mqtt.maxMessageSizeLimit = def(p.mqtt.maxMessageSizeLimit, cfg.mqtt.maxMessageSizeLimit);
  cfg.mqtt.requireClientIdMatch = def(p.mqtt.requireClientIdMatch, cfg.mqtt.requireClientIdMatch);
  cfg.mqtt.persistence = def(p.mqtt.persistence, cfg.mqtt.persistence);
  if (p.http.metricsPublic !== undefined) cfg.http.metricsPublic = p.http.metricsPublic;
  if (p.bridges) cfg.bridges = p.bridges.map(resolveBridge);
  cfg.storage.sync = def(p.storage.sync, cfg.storage.sync);
  cfg.storage.retention = def(p.storage.retention, cfg.storage.retention);
  if (p.storage.maxSize !== undefined) cfg.storage.maxSize = p.storage.maxSize;
  cfg.storage.whenFull = def(p.storage.whenFull, cfg.storage.whenFull);
  if (p.auth) {
    const a = (cfg.auth ??= { defaultScopes: [...ALL_ACCESS_SCOPES], anonymousScopes: [...ALL_ACCESS_SCOPES] });
    if (p.auth.defaultScopes) a.defaultScopes = p.auth.defaultScopes;
    if (p.auth.anonymousScopes) a.anonymousScopes = p.auth.anonymousScopes;
  }
  if (p.http.allowedHosts !== undefined) cfg.http.allowedHosts = p.http.allowedHosts;
  if (p.query) Object.assign(cfg.query, p.query);
  if (p.mqtt.limits) Object.assign(cfg.mqtt, p.mqtt.limits);
  Object.assign(cfg.guard, defined(p.guard));
  Object.assign(cfg.audit, defined(p.audit));
  Object.assign(cfg.login, defined(p.login));
  return cfg;
}

/** Resolve the configuration from defaults, the file, NEO_* env and flags; throws config_invalid listing every problem. */
export function loadConfig(opts: LoadOptions = {}): NeoConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const cfg = defaultConfig(cwd);

  const envFile = env.NEO_CONFIG?.trim() ? env.NEO_CONFIG : undefined;
  const file = opts.file ?? envFile;
  if (file !== undefined) {
    const abs = isAbsolute(file) ? file : resolve(cwd, file);
    let text: string | undefined;
    try {
      text = readFileSync(abs, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "is a directory"
            : code === "EACCES"
              ? "permission denied"
              : String(e);
      problems.push(`${file}: cannot read config file: ${why}`);
    }
    if (text !== undefined) {
      const r = parseConfigText(text, file, dirname(abs));
      problems.push(...r.problems);
      apply(cfg, r.patch);
      cfg.file = abs;
    }
  }
  apply(cfg, readEnv(env, cwd, problems));
  apply(cfg, readFlags(opts.flags ?? {}, cwd, problems));

  const h = cfg.http.listen;
  const m = cfg.mqtt.listen;
  if (h.port !== 0 && h.port === m.port && h.host === m.host) {
    problems.push(`config: HTTP and MQTT both listen on ${formatListen(h)}; give them different ports`);
  }
  if (problems.length > 0) throw new NeoError("config_invalid", problems.join("\n"), 400);
  return cfg;
}
