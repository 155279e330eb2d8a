// Durations ("90d", "1m", "off") as the Storage settings and `neo shell table set` take them.
import { NeoError } from "./errors.ts";

export const NS_PER_SECOND = 1_000_000_000n;
const UNITS: Record<string, bigint> = {
  s: NS_PER_SECOND,
  m: 60n * NS_PER_SECOND,
  h: 3600n * NS_PER_SECOND,
  d: 86400n * NS_PER_SECOND,
  w: 7n * 86400n * NS_PER_SECOND,
  y: 365n * 86400n * NS_PER_SECOND,
};

/** "7d" -> nanoseconds; units s, m, h, d, w, y; throws a clear 400 otherwise */
export function parseDuration(text: string, what = "duration"): bigint {
  const m = /^\s*(\d{1,6})\s*([smhdwy])\s*$/.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined || BigInt(m[1]) === 0n) {
    throw new NeoError(
      "bad_duration",
      `invalid ${what} ${JSON.stringify(text)}: use a positive number and a unit s, m, h, d, w or y (e.g. 90d)`,
      400,
    );
  }
  return BigInt(m[1]) * UNITS[m[2]]!;
}

/** a retention: a duration, or "off" (keep everything) -> null */
export function parseRetention(text: string): bigint | null {
  if (text.trim().toLowerCase() === "off") return null;
  return parseDuration(text, "retention");
}

/** canonical text of a duration in its largest whole unit ("60m" -> "1h") */
export function formatDuration(ns: bigint): string {
  for (const u of ["y", "d", "h", "m", "s"]) {
    const n = UNITS[u]!;
    if (ns % n === 0n) return `${ns / n}${u}`;
  }
  return `${ns}ns`;
}
