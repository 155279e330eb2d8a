// Mainflux's provisioning shapes (things/api/things/http in mainflux 0.1x): what its scripts
// send and read. Shared by /things (mainflux-things.ts), the Mainflux side of /channels
// (mainflux-channels.ts) and the connections (mainflux-connect.ts).
//   thing    {"id","name","key","metadata"}   (the key only where neo shows it: at creation)
//   channel  {"id","name","metadata"}
//   page     {"total","offset","limit","things"|"channels":[...]}, offset 0, limit 10 (<= 100)
import { badRequest, NeoError } from "../../lib/errors.ts";
import { readBody } from "../../lib/http/body.ts";
import { jsonResponse } from "../../lib/http/respond.ts";

const MAX_BODY = 1024 * 1024; // a bulk of things

/** Did the caller ask Mainflux's way? `Authorization: <token>` with no scheme is what its SDK and docs send. */
export function asksMainflux(req: Request): boolean {
  const h = req.headers.get("authorization");
  return h !== null && h.trim() !== "" && !/\s/.test(h.trim());
}

/** a JSON body (object or array); Content-Type must say JSON as Mainflux's API requires (415 otherwise) */
export async function readJsonValue(req: Request): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/json"))
    throw new NeoError("unsupported_media_type", "Content-Type must be application/json", 415);
  const text = new TextDecoder().decode(await readBody(req, MAX_BODY));
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "request body is not valid JSON");
  }
}

export function objectBody(v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("invalid_json", "request body must be a JSON object");
  return v as Record<string, unknown>;
}

/** name and metadata of a thing or channel body (Mainflux's fields), checked */
export function entityFields(b: Record<string, unknown>, what: string) {
  if (b.name !== undefined && typeof b.name !== "string")
    throw badRequest("bad_request", `${what} name must be a string`);
  const m = b.metadata;
  if (m !== undefined && (typeof m !== "object" || m === null || Array.isArray(m)))
    throw badRequest("invalid_metadata", `${what} metadata must be a JSON object`);
  if (b.id !== undefined && (typeof b.id !== "string" || b.id === ""))
    throw badRequest("bad_request", `${what} id must be a non-empty string`);
  return {
    ...(typeof b.id === "string" ? { id: b.id } : {}),
    name: (b.name as string | undefined) ?? "",
    ...(m !== undefined ? { metadata: m as Record<string, unknown> } : {}),
  };
}

/** Mainflux's paging: offset (0) and limit (10, at most 100); anything else is a 400 */
function pageOf(url: URL): { offset: number; limit: number } {
  const num = (name: string, dflt: number, max: number) => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === "") return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw badRequest("bad_request", `${name} must be an integer from 0 to ${max}`);
    return n;
  };
  const limit = num("limit", 10, 100);
  return { offset: num("offset", 0, Number.MAX_SAFE_INTEGER), limit: limit === 0 ? 10 : limit };
}

/**
 * Mainflux's list filters: `name` (a part of the name) and `metadata` (a JSON object whose
 * top-level fields the entity's metadata must have, equal); a metadata that is no JSON object is a 400
 */
export function listFilter(url: URL): (e: { name?: string | null; metadata?: Record<string, unknown> }) => boolean {
  const name = url.searchParams.get("name");
  const raw = url.searchParams.get("metadata");
  let want: Record<string, unknown> = {};
  if (raw !== null && raw !== "") {
    try {
      want = objectBody(JSON.parse(raw));
    } catch {
      throw badRequest("bad_request", "metadata must be a JSON object");
    }
  }
  const keys = Object.keys(want);
  return (e) =>
    (!name || (e.name ?? "").includes(name)) &&
    keys.every((k) => JSON.stringify(e.metadata?.[k]) === JSON.stringify(want[k]));
}

/** one page of `items` in Mainflux's envelope */
export function page<T>(url: URL, key: "things" | "channels", items: T[]): Response {
  const { offset, limit } = pageOf(url);
  return jsonResponse({ total: items.length, offset, limit, [key]: items.slice(offset, offset + limit) });
}

export interface ThingLike {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
}
export interface ChannelLike {
  id: string;
  name?: string | null;
  metadata?: Record<string, unknown>;
}

const withMeta = (m: Record<string, unknown> | undefined) => (m && Object.keys(m).length > 0 ? { metadata: m } : {});

export const thingJson = (t: ThingLike, key?: string) => ({
  id: t.id,
  name: t.name,
  ...(key !== undefined ? { key } : {}),
  ...withMeta(t.metadata),
});

export const mfChannelJson = (c: ChannelLike) => ({ id: c.id, name: c.name ?? "", ...withMeta(c.metadata) });

/** the id list of a connect body (`channel_ids`, `thing_ids`): non-empty strings, at most 1000 */
export function idList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || v.some((x) => typeof x !== "string" || x === ""))
    throw badRequest("bad_request", `${what} must be a non-empty array of ids (at most 1000)`);
  return [...new Set(v as string[])];
}

/** Mainflux's empty answers (connect 200, disconnect/remove 204) */
export const empty = (status: 200 | 204, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers });
