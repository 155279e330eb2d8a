// What a table name and a row must be before anything is written, and how SQLite's
// column types read back as machbase-neo's ("datetime", "double", ...).
import { NeoError } from "../lib/errors.ts";
import type { Row } from "./table-writer.ts";

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const MAX_NAME_LENGTH = 1024;

/** Validate a table name and return its stored (upper-case) form. */
export function normalizeTableName(table: string): string {
  if (typeof table !== "string" || !TABLE_NAME.test(table) || /^sqlite_/i.test(table)) {
    throw new NeoError(
      "invalid_table",
      `invalid table name ${JSON.stringify(String(table))}: use a letter then letters, digits or _ (at most 63)`,
      400,
    );
  }
  return table.toUpperCase();
}

export function checkRow(r: Row, i: number): void {
  if (typeof r !== "object" || r === null) throw new NeoError("bad_row", `row ${i + 1}: not a row`, 400);
  if (typeof r.name !== "string" || r.name.length === 0 || r.name.length > MAX_NAME_LENGTH) {
    throw new NeoError(
      "bad_row",
      `row ${i + 1}: NAME must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`,
      400,
    );
  }
  if (typeof r.time !== "bigint" || r.time < -(2n ** 63n) || r.time >= 2n ** 63n) {
    throw new NeoError("bad_row", `row ${i + 1}: TIME must be int64 nanoseconds`, 400);
  }
  if (r.value !== null && (typeof r.value !== "number" || !Number.isFinite(r.value))) {
    throw new NeoError("bad_row", `row ${i + 1}: VALUE must be a finite number or null`, 400);
  }
}

export function sqliteError(e: unknown): NeoError {
  const msg = e instanceof Error ? e.message : String(e);
  return new NeoError("query_failed", msg, 400, e);
}

export function typeOf(declared: string | null | undefined, actual: string | null | undefined, column: string): string {
  const d = (declared ?? "").toUpperCase();
  const a = (actual ?? "").toUpperCase();
  const t = d || a;
  if (t.includes("INT")) return column === "TIME" ? "datetime" : "int64";
  if (t.includes("CHAR") || t.includes("TEXT") || t.includes("CLOB")) return "string";
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return "double";
  if (t.includes("BLOB")) return "binary";
  // a view's VALUE is an expression (no declared type); with no rows or a NULL first it is still a double
  if (column === "VALUE" && (a === "" || a === "NULL")) return "double";
  return "string";
}
