// Request bodies: the capped reader lives in lib/http (shared with /web/api).
export { DEFAULT_BODY_LIMIT, mediaType, readBody } from "../lib/http/body.ts";
