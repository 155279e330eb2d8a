// Who is calling the HTTP and WebSocket channel adapters. What a Mainflux, Magistrala or
// SuperMQ thing sends is handed to auth's identify(), the one identity step:
//   Authorization: Thing <token> | Client <token> | Bearer <token>, or the bare token
//   Authorization: Basic base64(<client id>:<token>)
//   ?authorization=<token>  (the WebSocket habit; accepted on both)
//   a client certificate over HTTPS/WSS; a header or query sent with it must be a token
//   of the same client (Mainflux docs: "it must be the same as the key in the cert").
// Nothing at all, while HTTP token auth is off, is the anonymous principal
// (Auth.AnonymousScopes); a credential that is sent is always checked, never ignored.
import type { Credentials, Identified, Identity } from "../auth/index.ts";
import type { FrontPeer } from "../http/index.ts";
import { clientAuthorization } from "../lib/http/bearer.ts";

export type Caller = { ok: true; principal: Identified } | { ok: false; status: 401 | 403 | 503; reason: string };

const SCHEME = /^\s*(?:bearer|thing|client)\s+/i;

/** the credential in the request, or a reason it cannot be read */
function presented(req: Request, url: URL): Pick<Credentials, "token" | "username" | "password"> | string {
  const h = clientAuthorization(req);
  if (h.kind === "token") return { token: h.token };
  const raw = req.headers.get("authorization");
  if (raw !== null) {
    const basic = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(raw);
    if (basic) {
      const text = Buffer.from(basic[1]!, "base64").toString("utf8");
      const i = text.indexOf(":");
      if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
    }
    const bare = raw.trim();
    if (bare !== "" && !/\s/.test(bare)) return { token: bare };
    return "malformed authorization header: use Authorization: Thing <token> (or Client, Bearer)";
  }
  const q = url.searchParams.get("authorization")?.replace(SCHEME, "").trim();
  return q ? { token: q } : {};
}

export function identifyCaller(
  req: Request,
  url: URL,
  identify: (c: Credentials) => Identity,
  peer: FrontPeer | undefined,
  /** may a caller with no credential at all go on as anonymous (HTTP token auth off)? */
  anonymousAllowed = false,
): Caller {
  const sent = presented(req, url);
  if (typeof sent === "string") return { ok: false, status: 401, reason: sent };
  const cert = peer?.cert;
  const r = identify({
    ...sent,
    allowAnonymous: anonymousAllowed && !cert && Object.keys(sent).length === 0,
    ...(cert ? { certificate: { cn: cert.cn, fingerprint256: cert.fingerprint256 } } : {}),
  });
  if (r.ok) return r;
  switch (r.kind) {
    case "missing":
      return {
        ok: false,
        status: 401,
        reason: "missing credentials: send Authorization: Thing <token> or a client certificate",
      };
    case "unknown_certificate":
      return { ok: false, status: 401, reason: "invalid client certificate" };
    case "mismatch":
      return cert
        ? { ok: false, status: 403, reason: "token and client certificate belong to different clients" }
        : { ok: false, status: 401, reason: "invalid client id or token" };
    case "unavailable":
      return { ok: false, status: 503, reason: "authentication unavailable, try again" };
    case "invalid_scopes":
      return {
        ok: false,
        status: 403,
        reason: "this key's stored scopes are invalid; fix them with neo shell key scope",
      };
    default:
      // expired, revoked or a not-yet-valid certificate says so like an unknown one
      return {
        ok: false,
        status: 401,
        reason: r.form === "certificate" ? "invalid client certificate" : "invalid token",
      };
  }
}
