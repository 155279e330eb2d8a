// The one duration grammar of neo: config keys (Query.Timeout, Storage.Retention, Guard,
// Auth), `neo shell table set --retention`, `neo shell audit --since`, PAT lifetimes, the
// SuperMQ readers' aggregation interval. One or more <number><unit> with units ns, us (µs),
// ms, s, m, h, d, w (7d), y (365d): "90s", "15m", "24h", "30d", "1h30m", "500ms", "1.5s",
// "2w", "1y" (Go's time.ParseDuration spellings plus d, w, y). A bare number is not a
// duration (its unit would be a guess); zero, negatives and more than 100 years are refused.
import { NeoError } from "./errors.ts";

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3_600e9,
  d: 86_400e9,
  w: 7 * 86_400e9,
  y: 365 * 86_400e9,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y;
/** longer than any sensible lifetime (100 years): refused rather than overflowing a date */
const MAX_NS = 100 * 365 * 86_400e9;
export const NS_PER_SECOND = 1_000_000_000n;

/** Nanoseconds, or an error message saying what is wrong. */
export function parseDurationNs(
  text: string,
  what = "duration",
): { ok: true; ns: bigint } | { ok: false; error: string } {
  const s = text.trim();
  const bad = {
    ok: false as const,
    error: `invalid ${what} ${JSON.stringify(text)}: use e.g. "90s", "15m", "24h", "30d", "1h30m" (units ns, us, ms, s, m, h, d, w, y)`,
  };
  if (s === "" || s.length > 32) return bad;
  let ns = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return bad;
    ns += Number(m[1]) * (UNIT_NS[m[2] as string] ?? 0);
  }
  ns = Math.round(ns);
  if (ns <= 0) return { ok: false, error: `invalid ${what} ${JSON.stringify(text)}: must be longer than zero` };
  if (ns > MAX_NS) return { ok: false, error: `invalid ${what} ${JSON.stringify(text)}: longer than 100 years` };
  return { ok: true, ns: BigInt(ns) };
}

/** Milliseconds (rounded), or an error message saying what is wrong. */
export function parseDuration(
  text: string,
  what = "duration",
): { ok: true; ms: number } | { ok: false; error: string } {
  const r = parseDurationNs(text, what);
  if (!r.ok) return r;
  const ms = Math.round(Number(r.ns) / 1e6);
  return ms > 0 ? { ok: true, ms } : { ok: false, error: `invalid ${what} ${JSON.stringify(text)}: shorter than 1ms` };
}

/** The same grammar in nanoseconds (the series store's clock); a clear 400 otherwise. */
export function durationNs(text: string, what = "duration"): bigint {
  const r = parseDurationNs(text, what);
  if (!r.ok) throw new NeoError("bad_duration", r.error, 400);
  return r.ns;
}

/** a retention: a duration, or "off" (keep everything) -> null */
export function parseRetention(text: string): bigint | null {
  if (text.trim().toLowerCase() === "off") return null;
  return durationNs(text, "retention");
}

/** "15m", "1h", "1h30m", "2d", "500ms": the shortest exact spelling of milliseconds. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms % 1000 !== 0) return `${ms}ms`;
  let rest = ms / 1000;
  let out = "";
  for (const [u, n] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}

// (no weeks: "7d" stays "7d", as it always was stored)
const STORED_UNITS: [string, bigint][] = [
  ["y", 365n * 86_400n * NS_PER_SECOND],
  ["d", 86_400n * NS_PER_SECOND],
  ["h", 3_600n * NS_PER_SECOND],
  ["m", 60n * NS_PER_SECOND],
  ["s", NS_PER_SECOND],
];

/**
 * Nanoseconds in their largest whole unit ("60m" -> "1h", "90m" stays "90m"): the stored
 * spelling of retentions and rollup intervals, which name rollup tables (_T_ROLLUP_1H),
 * so it never changes.
 */
export function formatNs(ns: bigint): string {
  for (const [u, n] of STORED_UNITS) if (ns % n === 0n) return `${ns / n}${u}`;
  return `${ns}ns`;
}
