// Listen addresses: "host:port", "tcp://host:port", "[::1]:port". The host is kept
// without brackets ("::1"), which is what Bun.listen/Bun.serve take as hostname.
import type { ListenConfig } from "./types.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const HOST_RE = /^[A-Za-z0-9._-]+$/;

/** Check a host name or IP address; IPv6 may be given with or without brackets. */
export function parseHost(raw: string): Parsed<string> {
  let host = raw.trim();
  if (host === "") return { ok: false, error: "empty host (use 0.0.0.0 to listen on every interface)" };
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.includes(":")) {
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) return { ok: false, error: `invalid IPv6 address "${raw}"` };
    return { ok: true, value: host };
  }
  if (!HOST_RE.test(host)) return { ok: false, error: `invalid host "${raw}"` };
  return { ok: true, value: host };
}

/** A TCP port: an integer 0..65535 (0 = pick a free port). */
export function parsePort(raw: string | number): Parsed<number> {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) return { ok: false, error: `invalid port "${text}" (expected an integer 0-65535)` };
  const port = Number(text);
  if (port > 65535) return { ok: false, error: `port ${port} out of range (0-65535)` };
  return { ok: true, value: port };
}

export function parseListen(raw: string): Parsed<ListenConfig> {
  let rest = raw.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    if (scheme[1]?.toLowerCase() !== "tcp") {
      return {
        ok: false,
        error: `unsupported scheme "${scheme[1]}://" in "${raw}" (use "tcp://host:port" or "host:port")`,
      };
    }
    rest = rest.slice(scheme[0].length);
  }
  let hostPart: string;
  let portPart: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0 || rest[close + 1] !== ":")
      return { ok: false, error: `invalid address "${raw}" (expected "[::1]:port")` };
    hostPart = rest.slice(0, close + 1);
    portPart = rest.slice(close + 2);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon < 0) return { ok: false, error: `missing port in "${raw}" (expected "host:port")` };
    hostPart = rest.slice(0, colon);
    portPart = rest.slice(colon + 1);
    if (hostPart.includes(":"))
      return { ok: false, error: `IPv6 address needs brackets in "${raw}" (e.g. "[::1]:5653")` };
  }
  const host = parseHost(hostPart);
  if (!host.ok) return host;
  const port = parsePort(portPart);
  if (!port.ok) return port;
  return { ok: true, value: { host: host.value, port: port.value } };
}

/** "127.0.0.1:5654", "[::1]:5654": the form a Listen value is printed in. */
export function formatListen(l: ListenConfig): string {
  return l.host.includes(":") ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
}
