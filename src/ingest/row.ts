// The unit every payload format becomes: one tag value at one instant.
// (Same shape as storage's Row; ingest imports only lib, so it is declared here too.)
import { NeoError } from "../lib/errors.ts";
import { decimalToBigInt } from "./decimal.ts";
import { parseTime } from "./time-format.ts";

export interface Row {
  name: string;
  /** nanoseconds since the Unix epoch */
  time: bigint;
  value: number | null;
}

export interface ParseOptions {
  format: "json" | "csv" | "ndjson";
  compress?: "gzip";
  /** ns (default), us, ms, s, RFC3339, RFC3339NANO, DEFAULT or a Go layout */
  timeformat?: string;
  /** time zone for layouts without an offset: UTC (default), Local, or an IANA name */
  tz?: string;
  /** CSV only: skip the first line, or read column names from it */
  header?: "skip" | "columns";
  /** largest decompressed payload accepted (default 64 MiB) */
  maxBytes?: number;
}

/** A JSON number kept as its literal text so no digit is lost. */
export class RawNumber {
  constructor(readonly raw: string) {}
}

export const badPayload = (reason: string) => new NeoError("bad_payload", reason, 400);

/** A cell that may be a JSON value, RawNumber or CSV text -> NAME. */
function toName(v: unknown, where: string): string {
  if (typeof v === "string" && v.length > 0) return v;
  throw badPayload(`${where}: NAME must be a non-empty string`);
}

/** -> TIME in ns. Numbers keep their literal digits via RawNumber. */
function toTime(v: unknown, where: string, o: ParseOptions): bigint {
  const tf = o.timeformat || "ns";
  let input: string | number | bigint;
  if (v instanceof RawNumber) input = v.raw;
  else if (typeof v === "number" || typeof v === "string" || typeof v === "bigint") input = v;
  else throw badPayload(`${where}: TIME must be a number or a string, got ${v === null ? "null" : typeof v}`);
  try {
    return parseTime(input, tf, o.tz);
  } catch (e) {
    throw badPayload(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** -> VALUE: a finite number, null, or (CSV, JSON string) numeric text; empty/NULL text is null. */
function toValue(v: unknown, where: string): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof RawNumber) v = Number(v.raw);
  if (typeof v === "number") {
    if (Number.isFinite(v)) return v;
  } else if (typeof v === "string") {
    const t = v.trim();
    if (t === "" || t.toUpperCase() === "NULL") return null;
    if (decimalToBigInt(t, 0) !== undefined) {
      const n = Number(t);
      if (Number.isFinite(n)) return n;
    }
  }
  throw badPayload(`${where}: VALUE must be a number or null, got ${JSON.stringify(v) ?? typeof v}`);
}

const COLUMNS = ["NAME", "TIME", "VALUE"] as const;

/** Map column names (any case, any order) to the positions of NAME, TIME, VALUE. */
export function columnIndexes(columns: unknown, where: string): [number, number, number] {
  if (!Array.isArray(columns)) throw badPayload(`${where}: "columns" must be an array of names`);
  const upper = columns.map((c, i) => {
    if (typeof c !== "string") throw badPayload(`${where}: column ${i} is not a name`);
    return c.trim().toUpperCase();
  });
  for (const c of upper) {
    if (!(COLUMNS as readonly string[]).includes(c))
      throw badPayload(`${where}: unknown column "${c}" (tables have NAME, TIME, VALUE)`);
  }
  if (new Set(upper).size !== upper.length) throw badPayload(`${where}: duplicate column`);
  const missing = COLUMNS.filter((c) => !upper.includes(c));
  if (missing.length > 0)
    throw badPayload(`${where}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  return [upper.indexOf("NAME"), upper.indexOf("TIME"), upper.indexOf("VALUE")];
}

export function rowFrom(cells: unknown[], idx: [number, number, number], where: string, o: ParseOptions): Row {
  return {
    name: toName(cells[idx[0]], where),
    time: toTime(cells[idx[1]], where, o),
    value: toValue(cells[idx[2]], where),
  };
}
