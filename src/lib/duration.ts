// Durations the way operators and SuperMQ scripts write them: "90s", "15m", "24h",
// "720h", "30d", "1h30m", "500ms". A bare number is not accepted (its unit would be a guess).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
/** longer than any sensible lifetime (100 years): refused rather than overflowing a date */
const MAX_MS = 100 * 365 * 86_400_000;

/** Milliseconds, or an error message saying what is wrong. */
export function parseDuration(text: string): { ok: true; ms: number } | { ok: false; error: string } {
  const s = text.trim();
  const bad = {
    ok: false as const,
    error: `invalid duration ${JSON.stringify(text)}: use e.g. "90s", "15m", "24h", "30d"`,
  };
  if (s === "" || s.length > 32) return bad;
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return bad;
    ms += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
  }
  ms = Math.round(ms);
  if (ms <= 0) return { ok: false, error: `invalid duration ${JSON.stringify(text)}: must be longer than zero` };
  if (ms > MAX_MS) return { ok: false, error: `invalid duration ${JSON.stringify(text)}: longer than 100 years` };
  return { ok: true, ms };
}

/** "15m", "1h", "1h30m", "2d", "500ms": the shortest exact spelling. */
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
