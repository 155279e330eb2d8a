// One cell as text, the way each output format writes it. Cells come from SQLite (null,
// number, bigint, string, Uint8Array) with times already rendered by the timeformat.
import { toJson } from "../../lib/json-text.ts";

/** a double with `precision` digits after the point (-1: as stored); NaN/Inf as machbase-neo writes them */
function numberText(v: number, double: boolean, precision: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  if (double && precision >= 0 && Math.abs(v) < 1e21) return v.toFixed(precision);
  return String(v);
}

const base64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** JSON text of one cell: exact int64, base64 blobs, NaN/Inf quoted */
export function jsonCell(v: unknown, type: string | undefined, precision: number): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") {
    const t = numberText(v, type === "double", precision);
    return Number.isFinite(v) ? t : `"${t}"`;
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return JSON.stringify(v);
  return toJson(v);
}

/** plain text of one cell (csv, box): NULL for null */
export function textCell(v: unknown, type: string | undefined, precision: number): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return numberText(v, type === "double", precision);
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return base64(v);
  return String(v);
}

/** a CSV field, quoted only when it must be (the rule of Go's encoding/csv, which machbase-neo uses) */
export function csvField(s: string, delimiter: string): string {
  if (s === "") return s;
  const needs = s.includes(delimiter) || /["\r\n]/.test(s) || /^\s/u.test(s) || s === "\\.";
  return needs ? `"${s.replaceAll('"', '""')}"` : s;
}
