// The one parser of the Authorization header for every HTTP surface: the scheme in any
// case, any whitespace around the parts, exactly one token.
const BEARER = /^\s*bearer\s+(\S+)\s*$/i;
/** the schemes a client token may come with: Bearer (machbase-neo), Thing (Mainflux), Client (Magistrala/SuperMQ) */
const CLIENT = /^\s*(?:bearer|thing|client)\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined if absent or malformed. */
export function bearerToken(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  return h === null ? undefined : BEARER.exec(h)?.[1];
}

/** What a client presented in its Authorization header, for identify(). */
export type ClientAuthorization = { kind: "none" } | { kind: "token"; token: string } | { kind: "malformed" };

/** `Bearer|Thing|Client <token>`; any other scheme is malformed. */
export function clientAuthorization(req: Request): ClientAuthorization {
  const h = req.headers.get("authorization");
  if (h === null) return { kind: "none" };
  const t = CLIENT.exec(h)?.[1];
  if (t !== undefined) return { kind: "token", token: t };
  return { kind: "malformed" };
}
