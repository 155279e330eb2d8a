// IP address helpers for the brute-force guard and the trusted-proxy rule: the group an
// address counts in (IPv4 exact, IPv6 by prefix: one host owns a whole /64), and lists of
// addresses or CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`, `::1`) matched as node's BlockList
// matches them. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is its IPv4 address everywhere.
// No node:net: importing it (for isIP and BlockList) put ~2.8 MB into every start's RSS
// (bench/RESULTS.md "Session 7: start").

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

/** `::ffff:1.2.3.4` -> `1.2.3.4`; anything else unchanged (zone ids dropped) */
function plainAddress(address: string): string {
  const a = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (m) return m[1] as string;
  const zone = a.indexOf("%");
  return zone >= 0 ? a.slice(0, zone) : a;
}

/** the 8 16-bit groups of an IPv6 address, or null */
function groups6(a: string): number[] | null {
  let text = a;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [b1, b2, b3, b4] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(":") : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return null;
  const all = [...head, ...Array(fill).fill("0"), ...tail];
  if (all.length !== 8) return null;
  const out = all.map((g) => Number.parseInt(g, 16));
  return out.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? out : null;
}

/**
 * The key an address counts under: IPv4 as is; IPv6 cut to its first `prefix` bits and
 * written `2001:db8:1:2::/64` (128 = the exact address). Text that is no address is
 * returned unchanged (one key per distinct text, as before).
 */
export function addressGroup(address: string, prefix = 64): string {
  const a = plainAddress(address);
  if (isIP(a) !== 6 || prefix >= 128) return a;
  const g = groups6(a);
  if (!g) return a;
  const bits = Math.max(0, Math.min(128, prefix));
  const cut = g.map((v, i) => {
    const start = i * 16;
    if (start + 16 <= bits) return v;
    if (start >= bits) return 0;
    return v & (0xffff << (16 - (bits - start)));
  });
  // shortest form: the longest run of zero groups becomes "::"
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (cut[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && cut[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = cut.map((v) => v.toString(16));
  const text = bestLen >= 2 ? `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}` : hex.join(":");
  return `${text}/${bits}`;
}

/** what is wrong with an address or CIDR range written in the config, or null */
export function rangeProblem(text: string): string | null {
  const [addr, bits, ...rest] = text.split("/");
  if (rest.length > 0 || addr === undefined) return `"${text}" is not an address or a range like 10.0.0.0/8`;
  const family = isIP(addr);
  if (family === 0) return `"${text}" is not an IPv4 or IPv6 address`;
  if (bits === undefined) return null;
  const n = Number(bits);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || n > max) return `"${text}": the prefix length must be 0-${max}`;
  return null;
}

export interface AddressSet {
  has(address: string): boolean;
  readonly size: number;
}

/** an address's 8 16-bit groups, IPv4 as ::ffff:a.b.c.d (so both spellings match alike), or null */
function groupsOf(address: string): number[] | null {
  const a = plainAddress(address);
  if (IPV4.test(a)) {
    const [b1, b2, b3, b4] = a.split(".").map(Number) as [number, number, number, number];
    return [0, 0, 0, 0, 0, 0xffff, (b1 << 8) | b2, (b3 << 8) | b4];
  }
  return isIP(a) === 6 ? groups6(a) : null;
}

/** do the first `bits` bits of two addresses' groups agree? */
function samePrefix(a: readonly number[], b: readonly number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((a[i] as number) & mask) !== ((b[i] as number) & mask)) return false;
  }
  return true;
}

/** addresses and CIDR ranges (checked with rangeProblem first); an empty list matches nothing */
export function addressSet(list: readonly string[]): AddressSet {
  const rules: { groups: number[]; bits: number }[] = [];
  for (const text of list) {
    const [addr = "", bits] = text.split("/");
    const groups = groupsOf(addr);
    if (!groups) continue;
    const v4 = IPV4.test(plainAddress(addr));
    rules.push({ groups, bits: bits === undefined ? 128 : Number(bits) + (v4 ? 96 : 0) });
  }
  return {
    size: list.length,
    has(address) {
      if (rules.length === 0) return false;
      const g = groupsOf(address);
      return g !== null && rules.some((r) => samePrefix(g, r.groups, r.bits));
    },
  };
}

/**
 * The client's address for a request that came from `peer`: the right-most address in
 * X-Forwarded-For that is not itself a trusted proxy, when `peer` is one; else `peer`.
 */
export function forwardedClient(peer: string, forwardedFor: string | null, trusted: AddressSet): string {
  if (forwardedFor === null || !trusted.has(peer)) return peer;
  const hops = forwardedFor
    .split(",")
    .map((s) => plainAddress(s.trim()))
    .filter((s) => s !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) return peer; // a malformed chain: trust none of it
    if (!trusted.has(hop)) return hop;
  }
  return hops[0] ?? peer;
}

/** a listen host only this machine reaches (127.0.0.0/8, ::1, localhost) */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
