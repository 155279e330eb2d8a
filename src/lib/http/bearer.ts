// The one parser of `Authorization: Bearer <token>` for every HTTP surface (/db/*,
// /web/api/*): the scheme in any case, any whitespace around the parts, exactly one token.
const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined if absent or malformed. */
export function bearerToken(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  return h === null ? undefined : BEARER.exec(h)?.[1];
}
