// The `elapse` field of machbase-neo replies (/db/*, /web/api/*, MQTT db/reply): the
// elapsed time printed the way Go's time.Duration.String() prints it, because that is
// what machbase-neo sends: "1.866708ms", "812.4µs", "2.5s", "1m30.2s", "0s".

const UNITS: [number, string][] = [
  [1e6, "ms"],
  [1e3, "µs"],
  [1, "ns"],
];

/** `ns` as Go formats a Duration (whole nanoseconds; fractions trimmed of trailing zeros). */
export function goDuration(ns: number): string {
  let n = Math.round(Math.abs(ns));
  const sign = ns < 0 && n > 0 ? "-" : "";
  if (n === 0) return "0s";
  if (n < 1e9) {
    for (const [size, unit] of UNITS) if (n >= size) return sign + fraction(n, size) + unit;
  }
  let out = "";
  const hours = Math.floor(n / 3.6e12);
  n -= hours * 3.6e12;
  const minutes = Math.floor(n / 6e10);
  n -= minutes * 6e10;
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return sign + out + fraction(n, 1e9) + "s";
}

function fraction(n: number, size: number): string {
  const whole = Math.floor(n / size);
  const rest = n - whole * size;
  if (rest === 0) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

/** Elapsed milliseconds (from performance.now()) as machbase-neo's `elapse` text. */
export function formatElapse(ms: number): string {
  return goDuration(ms * 1e6);
}

/** The `elapse` text for the time since `started` (a performance.now() reading). */
export const elapseSince = (started: number): string => formatElapse(performance.now() - started);
