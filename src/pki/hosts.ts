// Which names the server certificate must cover.
// No node:net / node:os imports: importing node:net alone made the compiled binary's
// embedded bundle larger and idle RSS higher (measured: bench/RESULTS.md).
import { isIP } from "../lib/ip.ts";

export interface SanSet {
  dns: string[];
  ip: string[];
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]", ""]);

/**
 * localhost, 127.0.0.1 and ::1 always; every configured host as an IP or DNS name;
 * a wildcard listen address (0.0.0.0, ::) adds the machine's hostname instead.
 */
export function serverSans(hosts: readonly string[]): SanSet {
  const dns = new Set<string>(["localhost"]);
  const ip = new Set<string>(["127.0.0.1", "::1"]);
  for (const raw of hosts) {
    const h = raw.trim().replace(/^\[(.*)\]$/, "$1");
    if (WILDCARD_HOSTS.has(raw.trim()) || WILDCARD_HOSTS.has(h)) {
      const name = process.getBuiltinModule("node:os").hostname().toLowerCase();
      if (name) dns.add(name);
      continue;
    }
    if (isIP(h)) ip.add(normalizeIp(h));
    else dns.add(h.toLowerCase());
  }
  return { dns: [...dns].sort(), ip: [...ip].sort() };
}

/** Canonical text form so "::0001" and "::1" compare equal. */
export function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.replace(/^\[(.*)\]$/, "$1");
  } catch {
    return ip.toLowerCase();
  }
}

/** True when every name in `want` is in `have`. */
export function sansCover(have: SanSet, want: SanSet): boolean {
  const dns = new Set(have.dns.map((d) => d.toLowerCase()));
  const ip = new Set(have.ip.map(normalizeIp));
  return want.dns.every((d) => dns.has(d.toLowerCase())) && want.ip.every((i) => ip.has(normalizeIp(i)));
}
