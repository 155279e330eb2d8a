// The /db/query reply body in the shape users of machbase-neo's /db/* know. BigInt cells
// (ns times, int64 columns) are written as bare digits: exact, and never quoted. The
// generic replies (ok, failure, errors) are in lib/http/respond.ts.
import type { QueryResult } from "../storage/index.ts";
import { assertTimeformat, formatTime } from "../ingest/index.ts";

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
// bigint -> exact digits; BLOB cells (Uint8Array) -> base64 text, not {"0":..,"1":..}
const bigintAsDigits = (_k: string, v: unknown) =>
  typeof v === "bigint" ? rawJSON(v.toString()) : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v;

/** JSON.stringify that writes bigint as exact JSON numbers and binary as base64. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, bigintAsDigits);
}

/**
 * The full /db/query reply: {"data":{"columns","types","rows"},"success":true,"reason":"success","elapse"}.
 * datetime cells are rendered with `timeformat` (ns -> exact integer digits).
 */
export function queryResponseJson(result: QueryResult, timeformat = "ns", elapse = "0s", tz?: string): string {
  assertTimeformat(timeformat);
  const timeCols = result.types.flatMap((t, i) => (t === "datetime" ? [i] : []));
  let rows = result.rows;
  if (timeCols.length > 0 && timeformat.toLowerCase() !== "ns") {
    rows = rows.map((r) => {
      const out = r.slice();
      for (const i of timeCols) {
        const v = out[i];
        if (typeof v === "bigint") out[i] = formatTime(v, timeformat, tz);
      }
      return out;
    });
  }
  return toJson({
    data: { columns: result.columns, types: result.types, rows },
    success: true,
    reason: "success",
    elapse,
  });
}
