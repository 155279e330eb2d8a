// JSON responses in the shape machbase-neo's web API uses: {success, reason, elapse, ...}.
import { isNeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";

/** Elapsed time the way Go prints a Duration: "512.3µs", "1.8ms", "2.05s". */
export function formatElapse(ms: number): string {
  if (ms < 1) return `${+(ms * 1000).toFixed(1)}µs`;
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  return `${+(ms / 1000).toFixed(3)}s`;
}

const baseHeaders = {
  "content-type": "application/json; charset=utf-8",
  // Keys, tokens and session tokens pass through here: never cache.
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...baseHeaders, ...headers } });
}

export function ok(started: number, extra: Record<string, unknown> = {}, status = 200): Response {
  return json(
    { success: true, reason: "success", elapse: formatElapse(performance.now() - started), ...extra },
    status,
  );
}

export function fail(status: number, reason: string, headers: Record<string, string> = {}): Response {
  return json({ success: false, reason }, status, headers);
}

/** NeoError -> its status and message; anything else -> 500 with a generic reason (cause logged). */
export function errorResponse(err: unknown, log: Logger): Response {
  if (isNeoError(err)) return fail(err.status, err.message);
  log.error("web api request failed", err);
  return fail(500, "internal error");
}
