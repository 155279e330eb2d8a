// The one parser of the Authorization header for every HTTP surface: the scheme in any
// case, any whitespace around the parts, exactly one token.
const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined if absent or malformed. */
export function bearerToken(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  return h === null ? undefined : BEARER.exec(h)?.[1];
}
