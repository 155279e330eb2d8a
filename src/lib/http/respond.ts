// JSON replies in the shape machbase-neo's HTTP APIs use ({success, reason, elapse, ...}),
// shared by /db/*, /web/api/* and every route added later. A 5xx never carries an internal
// message or a file path: the client gets a generic reason, the log gets the detail.
import { isNeoError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { elapseSince } from "./elapse.ts";

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  // keys, tokens and query results pass through here: never cached
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

/** A JSON reply; `body` is sent as is when it is already JSON text. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Response(text, { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** {"success":true,"reason":"success","elapse":...,...extra} */
export function ok(started: number, extra: Record<string, unknown> = {}, status = 200): Response {
  return jsonResponse({ success: true, reason: "success", elapse: elapseSince(started), ...extra }, status);
}

/** {"success":false,"reason":...} (and `elapse` when given) */
export function failure(
  status: number,
  reason: string,
  headers: Record<string, string> = {},
  elapse?: string,
): Response {
  return jsonResponse(elapse ? { success: false, reason, elapse } : { success: false, reason }, status, headers);
}

export const methodNotAllowed = (allow: string): Response => failure(405, "method not allowed", { allow });

/** What a client is told for a 5xx: the status's meaning, never the cause. */
export function genericReason(status: number): string {
  if (status === 503) return "service unavailable, try again later";
  if (status === 507) return "insufficient storage";
  return "internal error";
}

/**
 * Any thrown value -> a JSON failure. A NeoError below 500 is the client's fault and its
 * message is for them; a 5xx NeoError or anything else is logged with `where` (method and
 * path) and answered with a generic reason.
 */
export function errorResponse(err: unknown, log: Logger, where = "request"): Response {
  if (isNeoError(err) && err.code === "body_aborted") log.debug(`${where}: ${err.message} (client went away)`);
  if (isNeoError(err) && err.status < 500) return failure(err.status, err.message);
  // a full disk is an answer, not a crash: the reason says why (no paths), the store warns once a minute
  if (isNeoError(err) && err.code === "storage_full") return failure(507, err.message);
  const status = isNeoError(err) ? err.status : 500;
  log.error(`${where} failed: ${err instanceof Error ? err.message : String(err)}`, isNeoError(err) ? err.cause : err);
  return failure(status, genericReason(status));
}
