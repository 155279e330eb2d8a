// A small JSON object body (management routes: keys, channels, PATs, logins), capped
// while it is read: a chunked gigabyte costs at most MAX_BODY bytes.
import { badRequest } from "../lib/errors.ts";
import { readBody } from "../lib/http/body.ts";

const MAX_BODY = 64 * 1024;

export async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readBody(req, MAX_BODY));
  let v: unknown;
  try {
    v = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "request body is not valid JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("invalid_json", "request body must be a JSON object");
  return v as Record<string, unknown>;
}
