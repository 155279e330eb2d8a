// Which names the server certificate must cover.
// No node:net / node:os imports: importing node:net alone made the compiled binary's
// embedded bundle larger and idle RSS higher (measured: bench/RESULTS.md).

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

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** 4, 6 or 0, like node:net's isIP (a zone suffix "%eth0" is allowed on IPv6, as there). */
export function isIP(h: string): 0 | 4 | 6 {
  if (IPV4.test(h)) return 4;
  const pct = h.indexOf("%");
  if (pct !== -1 && !/^[0-9A-Za-z.:-]+$/.test(h.slice(pct + 1))) return 0;
  return isIPv6Address(pct === -1 ? h : h.slice(0, pct)) ? 6 : 0;
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Eight 16-bit groups, the last two may be written as IPv4; one "::" stands for one or more zero groups. */
function isIPv6Address(a: string): boolean {
  const halves = a.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const list = groups[i]!;
    for (let j = 0; j < list.length; j++) {
      const g = list[j]!;
      const lastOfAll = i === groups.length - 1 && j === list.length - 1;
      if (HEX_GROUP.test(g)) count += 1;
      else if (lastOfAll && IPV4.test(g)) count += 2;
      else return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
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
