// The filters of `neo shell audit` and `GET /audit` from their text form, and an event
// as JSON for scripts.
import { parseDuration } from "../lib/duration.ts";
import { badRequest } from "../lib/errors.ts";
import type { AuditFilter, StoredAuditEvent } from "./audit-types.ts";

/**
 * The filters of `neo shell audit` and `GET /audit`, from their text form:
 * client, user, result (ok|fail), kind, since (a duration back from now, "1h", or a
 * date, "2026-11-30T00:00:00Z"), limit (1-100000). Unknown values are a 400.
 */
export function parseAuditFilter(p: Record<string, string | undefined>, now: number): AuditFilter {
  const f: AuditFilter = {};
  const text = (k: string) => {
    const v = p[k];
    return v === undefined || v === "" ? undefined : v;
  };
  const client = text("client");
  if (client !== undefined) f.client = client;
  const user = text("user");
  if (user !== undefined) f.user = user;
  const result = text("result");
  if (result !== undefined) {
    if (result !== "ok" && result !== "fail")
      throw badRequest("invalid_filter", `result must be ok or fail, got ${JSON.stringify(result)}`);
    f.result = result;
  }
  const kind = text("kind");
  if (kind !== undefined) {
    if (kind !== "auth" && kind !== "change" && kind !== "ban" && kind !== "deny")
      throw badRequest("invalid_filter", `kind must be auth, change, ban or deny, got ${JSON.stringify(kind)}`);
    f.kind = kind;
  }
  const since = text("since");
  if (since !== undefined) {
    const d = parseDuration(since);
    if (d.ok) f.since = now - d.ms;
    else {
      const t = /^\d{4}-\d\d-\d\d/.test(since) ? Date.parse(since) : Number.NaN;
      if (Number.isNaN(t))
        throw badRequest(
          "invalid_filter",
          `since must be a duration ("1h", "30m", "7d") or a date, got ${JSON.stringify(since)}`,
        );
      f.since = t;
    }
  }
  const limit = text("limit");
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100_000)
      throw badRequest("invalid_filter", `limit must be an integer 1-100000, got ${JSON.stringify(limit)}`);
    f.limit = n;
  }
  return f;
}

/** An event as JSON for scripts: times in RFC 3339, detail parsed back. */
export function auditJson(e: StoredAuditEvent): Record<string, unknown> {
  const { detail, at, ...rest } = e;
  let parsed: unknown = detail;
  if (detail !== undefined) {
    try {
      parsed = JSON.parse(detail);
    } catch {
      parsed = detail;
    }
  }
  return { ...rest, at: new Date(at).toISOString(), ...(detail !== undefined ? { detail: parsed } : {}) };
}
