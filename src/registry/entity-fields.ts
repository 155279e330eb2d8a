// SuperMQ's common entity fields (domains, groups): a name, tags and metadata, checked the
// same way wherever an entity is made or changed.
import { badRequest } from "../lib/errors.ts";

const MAX_NAME = 1024;

/** each field when present: a non-empty name (at most 1024), an array of strings, an object */
export function checkEntityFields(v: { name?: unknown; tags?: unknown; metadata?: unknown }, code: string): void {
  if (v.name !== undefined && (typeof v.name !== "string" || v.name.trim() === "" || v.name.length > MAX_NAME))
    throw badRequest(code, `name must be a non-empty string (at most ${MAX_NAME} characters)`);
  if (
    v.tags !== undefined &&
    (!Array.isArray(v.tags) || v.tags.some((t) => typeof t !== "string") || v.tags.length > 256)
  )
    throw badRequest(code, "tags must be an array of strings");
  if (v.metadata !== undefined && (typeof v.metadata !== "object" || v.metadata === null || Array.isArray(v.metadata)))
    throw badRequest(code, "metadata must be an object");
}
