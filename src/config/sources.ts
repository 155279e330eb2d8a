// NEO_* environment variables and command-line flags, each read into a ConfigPatch.
// Relative paths (NEO_DATA, --data) are relative to cwd.
import { resolve } from "node:path";
import type { LogLevel } from "../lib/log.ts";
import { parseHost, parsePort } from "./listen.ts";
import { emptyPatch, LOG_LEVELS, type ConfigPatch } from "./schema/index.ts";

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

export function readEnv(env: Record<string, string | undefined>, cwd: string, problems: string[]): ConfigPatch {
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

export function readFlags(f: ConfigFlags, cwd: string, problems: string[]): ConfigPatch {
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
