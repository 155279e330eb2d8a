// PATs as JSON, SuperMQ's shape (ids as UUIDs, times in RFC 3339, a status), and the
// lifetime a request or a command names: shared by /pats and `neo shell pat`.
import { parseDuration } from "../lib/duration.ts";
import { badRequest } from "../lib/errors.ts";
import type { PatRecord } from "./pats.ts";

/** 32 hex digits as a UUID (SuperMQ's ids are UUIDs) */
const asUuid = (hex: string) =>
  /^[0-9a-f]{32}$/.test(hex)
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : hex;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function patJson(p: PatRecord, now: number, secret?: string): Record<string, unknown> {
  const status = p.revoked ? "revoked" : p.expiresAt !== null && now >= p.expiresAt ? "expired" : "active";
  return {
    id: p.id,
    user_id: asUuid(p.userId),
    name: p.name,
    description: p.description,
    ...(secret !== undefined ? { secret } : {}),
    issued_at: iso(p.issuedAt),
    expires_at: iso(p.expiresAt),
    updated_at: iso(p.updatedAt),
    last_used_at: iso(p.lastUsedAt),
    revoked: p.revoked,
    revoked_at: iso(p.revokedAt),
    status,
  };
}

/** absent or null: never expires; anything else must be a duration ("24h", "720h", "30d") */
export function parseTtl(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string")
    throw badRequest("invalid_duration", 'duration must be a string like "24h", "720h" or "30d"');
  const d = parseDuration(v);
  if (!d.ok) throw badRequest("invalid_duration", d.error);
  return d.ms;
}
