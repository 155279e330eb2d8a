// The /db/query reply body in the shape users of machbase-neo's /db/* know. BigInt cells
// (ns times, int64 columns) are written as bare digits: exact, and never quoted. The
// generic replies (ok, failure, errors) are in lib/http/respond.ts.
import type { QueryResult } from "../storage/index.ts";
import { assertTimeformat, formatTime } from "../ingest/index.ts";

export { toJson } from "../lib/json-text.ts";
import { toJson } from "../lib/json-text.ts";

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
