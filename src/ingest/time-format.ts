// Time values in and out of the store: unit numbers (ns, us, ms, s), RFC3339 and the
// Go-style layouts machbase-neo accepts ("2006-01-02 15:04:05.999"), with a time zone.
import { NeoError } from "../lib/errors.ts";
import { decimalToBigInt } from "./decimal.ts";
import { DAYS, layoutOf, MONTHS, NAMED_LAYOUTS, pad, type Token, tokenize, zoneOffsetMinutes } from "./time-layout.ts";

const UNIT_SCALE: Record<string, number> = { ns: 0, us: 3, ms: 6, s: 9 };
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** True for ns/us/ms/s (any case). */
function isUnitFormat(timeformat: string): boolean {
  return timeformat.toLowerCase() in UNIT_SCALE;
}

/**
 * Refuse a timeformat that is neither a unit (ns/us/ms/s), a named layout (RFC3339...)
 * nor a Go-style layout with at least one date/time element: "bogus" would otherwise
 * print itself as every time value.
 */
export function assertTimeformat(timeformat: string): void {
  if (isUnitFormat(timeformat) || NAMED_LAYOUTS[timeformat.toUpperCase()] !== undefined) return;
  if (tokenize(timeformat).some((t) => t.k !== "lit")) return;
  throw new NeoError(
    "bad_timeformat",
    `unknown timeformat ${JSON.stringify(timeformat)}: use ns, us, ms, s, RFC3339, RFC3339NANO or a Go layout like 2006-01-02 15:04:05`,
    400,
  );
}

/** Parse a time string with a layout; wall times without an offset are taken in `tz` (default UTC). */
function parseLayout(text: string, layout: string, tz: string | undefined): bigint | undefined {
  const toks = tokenize(layout);
  let re = "^";
  const groups: Token[] = [];
  toks.forEach((t, ti) => {
    switch (t.k) {
      case "lit":
        re += t.s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return;
      case "year":
        re += "([+-]?\\d{4})";
        break;
      case "year2":
      case "month":
      case "day":
      case "hour":
      case "min":
      case "sec":
        re += "(\\d{2})";
        break;
      case "hour12":
        re += "(\\d{1,2})";
        break;
      case "day_":
        re += " ?(\\d{1,2})";
        break;
      case "mon":
        re += "([A-Za-z]{3})";
        break;
      case "wday":
        re += "[A-Za-z]{3}";
        return;
      case "pm":
        re += "([AaPp][Mm])";
        break;
      case "tz":
        re += "([A-Z]{1,5})";
        break;
      case "frac":
        re += t.trim ? "(?:[.,](\\d{1,9}))?" : `[.,](\\d{${t.digits}})`;
        break;
      case "off":
        re += t.z
          ? t.colon
            ? "(Z|[+-]\\d{2}:\\d{2})"
            : "(Z|[+-]\\d{4})"
          : t.colon
            ? "([+-]\\d{2}:\\d{2})"
            : "([+-]\\d{4})";
        break;
    }
    groups.push(t);
    // Go accepts fractional seconds after "05" even when the layout has none.
    if (t.k === "sec" && toks[ti + 1]?.k !== "frac") {
      re += "(?:[.,](\\d{1,9}))?";
      groups.push({ k: "frac", digits: 9, trim: true });
    }
  });
  const m = new RegExp(re + "$").exec(text.trim());
  if (!m) return undefined;
  let y = 1970,
    mo = 1,
    d = 1,
    h = 0,
    mi = 0,
    s = 0,
    pm: boolean | undefined,
    fracNs = 0n;
  let offMin: number | undefined;
  groups.forEach((t, idx) => {
    const v = m[idx + 1];
    if (v === undefined) return;
    switch (t.k) {
      case "year":
        y = Number(v);
        break;
      case "year2":
        y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
        break;
      case "month":
        mo = Number(v);
        break;
      case "mon":
        mo = MONTHS.findIndex((x) => x.toLowerCase() === v.toLowerCase()) + 1;
        break;
      case "day":
      case "day_":
        d = Number(v);
        break;
      case "hour":
      case "hour12":
        h = Number(v);
        break;
      case "min":
        mi = Number(v);
        break;
      case "sec":
        s = Number(v);
        break;
      case "pm":
        pm = v.toUpperCase() === "PM";
        break;
      case "frac":
        fracNs = BigInt(v.padEnd(9, "0"));
        break;
      case "off":
        offMin = v === "Z" ? 0 : (v[0] === "-" ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(-2)));
        break;
      case "tz":
        if (v === "UTC" || v === "GMT" || v === "Z") offMin = 0;
        break;
    }
  });
  if (pm !== undefined) h = (h % 12) + (pm ? 12 : 0);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const wallMs = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(wallMs) || new Date(wallMs).getUTCDate() !== d) return undefined;
  if (offMin === undefined) {
    // Wall time in tz: guess with the offset at the wall time, then correct once.
    const guess = zoneOffsetMinutes(tz, wallMs);
    offMin = zoneOffsetMinutes(tz, wallMs - guess * 60000);
  }
  return BigInt(wallMs - offMin * 60000) * NS_PER_MS + fracNs;
}

/**
 * Convert one time cell to nanoseconds. `raw` is the literal text of a number (exact),
 * a JS number/bigint, or a string. Throws NeoError("bad_payload") with the reason.
 */
export function parseTime(raw: string | number | bigint, timeformat = "ns", tz?: string): bigint {
  const tf = timeformat.toLowerCase();
  const scale = UNIT_SCALE[tf];
  if (scale !== undefined) {
    if (typeof raw === "bigint") return raw * 10n ** BigInt(scale);
    if (typeof raw === "number") {
      if (!Number.isFinite(raw)) throw new NeoError("bad_payload", `time ${raw} is not a number`, 400);
      raw = Number.isInteger(raw) ? BigInt(raw).toString() : String(raw);
    }
    const v = decimalToBigInt(raw, scale);
    if (v === undefined) {
      throw new NeoError("bad_payload", `time ${JSON.stringify(raw)} is not a number (timeformat ${timeformat})`, 400);
    }
    return v;
  }
  const text = String(raw);
  const ns = parseLayout(text, layoutOf(timeformat), tz);
  if (ns === undefined) {
    throw new NeoError("bad_payload", `time ${JSON.stringify(text)} does not match timeformat ${timeformat}`, 400);
  }
  return ns;
}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Format stored nanoseconds for output: ns -> bigint, us/ms/s -> number, layouts -> string. */
export function formatTime(ns: bigint, timeformat = "ns", tz?: string): string | number | bigint {
  const tf = timeformat.toLowerCase();
  if (tf === "ns") return ns;
  const scale = UNIT_SCALE[tf];
  if (scale !== undefined) return Number(floorDiv(ns, 10n ** BigInt(scale)));
  const ms = floorDiv(ns, NS_PER_MS);
  const fracNs = ns - floorDiv(ns, NS_PER_S) * NS_PER_S;
  const off = zoneOffsetMinutes(tz, Number(ms));
  const wall = new Date(Number(ms) + off * 60000);
  let out = "";
  for (const t of tokenize(layoutOf(timeformat))) {
    switch (t.k) {
      case "lit":
        out += t.s;
        break;
      case "year":
        out += pad(wall.getUTCFullYear(), 4);
        break;
      case "year2":
        out += pad(wall.getUTCFullYear() % 100, 2);
        break;
      case "month":
        out += pad(wall.getUTCMonth() + 1, 2);
        break;
      case "mon":
        out += MONTHS[wall.getUTCMonth()];
        break;
      case "day":
        out += pad(wall.getUTCDate(), 2);
        break;
      case "day_":
        out += String(wall.getUTCDate()).padStart(2, " ");
        break;
      case "wday":
        out += DAYS[wall.getUTCDay()];
        break;
      case "hour":
        out += pad(wall.getUTCHours(), 2);
        break;
      case "hour12":
        out += String(wall.getUTCHours() % 12 || 12);
        break;
      case "min":
        out += pad(wall.getUTCMinutes(), 2);
        break;
      case "sec":
        out += pad(wall.getUTCSeconds(), 2);
        break;
      case "pm":
        out += wall.getUTCHours() >= 12 ? "PM" : "AM";
        break;
      case "tz":
        out += off === 0 ? "UTC" : offsetText(off, false);
        break;
      case "frac": {
        let f = pad(fracNs, 9).slice(0, t.digits);
        if (t.trim) f = f.replace(/0+$/, "");
        if (f) out += "." + f;
        break;
      }
      case "off":
        out += t.z && off === 0 ? "Z" : offsetText(off, t.colon);
        break;
    }
  }
  return out;
}

function offsetText(min: number, colon: boolean): string {
  const a = Math.abs(min);
  return (min < 0 ? "-" : "+") + pad(Math.floor(a / 60), 2) + (colon ? ":" : "") + pad(a % 60, 2);
}
