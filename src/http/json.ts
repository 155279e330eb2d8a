// JSON replies in the shape users of machbase-neo's /db/* know. BigInt cells (ns times,
// int64 columns) are written as bare digits: exact, and never quoted.
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

/** Elapsed time in Go's Duration style, as machbase-neo prints it: "812.4µs", "1.23ms", "2.5s". */
export function formatElapse(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(1)}µs`;
  if (ms < 1000) return `${ms.toFixed(3).replace(/\.?0+$/, "")}ms`;
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
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

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export function jsonResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function failure(
  status: number,
  reason: string,
  headers: Record<string, string> = {},
  elapse?: string,
): Response {
  return jsonResponse(
    JSON.stringify(elapse ? { success: false, reason, elapse } : { success: false, reason }),
    status,
    headers,
  );
}
