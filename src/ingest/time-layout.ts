// Go-style time layouts ("2006-01-02 15:04:05.999"), the names machbase-neo gives some of
// them (RFC3339, DEFAULT, STAMPMILI, ...), and time zone offsets: what time-format.ts
// parses and prints with.
import { NeoError } from "../lib/errors.ts";

export const NAMED_LAYOUTS: Record<string, string> = {
  RFC3339: "2006-01-02T15:04:05Z07:00",
  RFC3339NANO: "2006-01-02T15:04:05.999999999Z07:00",
  DEFAULT: "2006-01-02 15:04:05.999",
  DATETIME: "2006-01-02 15:04:05",
  DATE: "2006-01-02",
  TIME: "15:04:05",
  KITCHEN: "3:04PM",
  RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
  RFC822: "02 Jan 06 15:04 MST",
  RFC822Z: "02 Jan 06 15:04 -0700",
  ANSIC: "Mon Jan _2 15:04:05 2006",
  "-": "2006-01-02 15:04:05.999",
  NUMERIC: "01/02 03:04:05PM '06 -0700",
  UNIX: "Mon Jan _2 15:04:05 MST 2006",
  RUBY: "Mon Jan 02 15:04:05 -0700 2006",
  STAMP: "Jan _2 15:04:05",
  STAMPMILI: "Jan _2 15:04:05.000",
  STAMPMICRO: "Jan _2 15:04:05.000000",
  STAMPNANO: "Jan _2 15:04:05.000000000",
};
export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
export function layoutOf(timeformat: string): string {
  return NAMED_LAYOUTS[timeformat.toUpperCase()] ?? timeformat;
}

export type Token =
  | { k: "lit"; s: string }
  | {
      k: "year" | "year2" | "month" | "mon" | "day" | "day_" | "hour" | "hour12" | "min" | "sec" | "pm" | "wday" | "tz";
    }
  | { k: "frac"; digits: number; trim: boolean }
  | { k: "off"; z: boolean; colon: boolean };

const TOKENS: [string, Token][] = [
  ["2006", { k: "year" }],
  ["Z07:00", { k: "off", z: true, colon: true }],
  ["-07:00", { k: "off", z: false, colon: true }],
  ["Z0700", { k: "off", z: true, colon: false }],
  ["-0700", { k: "off", z: false, colon: false }],
  ["Mon", { k: "wday" }],
  ["MST", { k: "tz" }],
  ["Jan", { k: "mon" }],
  ["01", { k: "month" }],
  ["02", { k: "day" }],
  ["_2", { k: "day_" }],
  ["06", { k: "year2" }],
  ["15", { k: "hour" }],
  ["03", { k: "hour12" }],
  ["3", { k: "hour12" }],
  ["04", { k: "min" }],
  ["05", { k: "sec" }],
  ["PM", { k: "pm" }],
];

export function tokenize(layout: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  outer: while (i < layout.length) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac) {
      out.push({ k: "frac", digits: frac[1]!.length, trim: frac[1]![0] === "9" });
      i += frac[0].length;
      continue;
    }
    for (const [text, tok] of TOKENS) {
      if (layout.startsWith(text, i)) {
        out.push(tok);
        i += text.length;
        continue outer;
      }
    }
    out.push({ k: "lit", s: layout[i]! });
    i++;
  }
  return out;
}

export const pad = (n: number | bigint, w: number) => String(n).padStart(w, "0");

/** Offset of `tz` from UTC in minutes at the instant `utcMs`. */
export function zoneOffsetMinutes(tz: string | undefined, utcMs: number): number {
  if (!tz || tz.toUpperCase() === "UTC" || tz === "Z") return 0;
  if (tz.toLowerCase() === "local") return -new Date(utcMs).getTimezoneOffset();
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    }).formatToParts(new Date(utcMs));
  } catch {
    throw new NeoError("bad_timezone", `unknown time zone ${JSON.stringify(tz)}`, 400);
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / 60000);
}
