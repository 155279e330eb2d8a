// Who sent this request: the Authorization header (and the client certificate from the
// HTTPS front) go to auth's identify(), every request, no cache, so a deleted key is
// refused on the very next request. This file only maps the outcome to HTTP.
import type { Credentials, Identified, Identity } from "../auth/index.ts";
import { clientAuthorization } from "../lib/http/bearer.ts";
import { failure } from "../lib/http/respond.ts";
import type { Logger } from "../lib/log.ts";
import type { PeerCert } from "../lib/peer-cert.ts";
import { tokenClientId } from "../registry/index.ts";

/** The part of auth the HTTP server uses. */
export interface HttpIdentify {
  identify(c: Credentials): Identity;
  /** record LAST USED once every check of the request passed */
  markUsed?(clientId: string): void;
}

/** a client certificate verified at the TLS handshake (chain to the gateway CA) */
export type HandshakeCert = Pick<PeerCert, "cn" | "fingerprint256">;

export type Identification = { ok: true; principal: Identified } | { ok: false; response: Response };

const CHALLENGE = { "www-authenticate": 'Bearer realm="neo"' };
const MALFORMED = "malformed authorization header: use Authorization: Bearer <token>";

/**
 * A client certificate identifies the client without a header, if the registry agrees; a
 * token sent as well must be the same client's. Without a certificate a token is needed
 * when token auth is on; otherwise a request without a valid one is anonymous
 * (Auth.AnonymousScopes).
 */
export function identifyRequest(
  req: Request,
  auth: HttpIdentify,
  opts: { cert?: HandshakeCert; tokenAuth: boolean },
  log?: Logger,
): Identification {
  const h = clientAuthorization(req);
  const strict = opts.tokenAuth || opts.cert !== undefined;
  if (h.kind === "malformed" && strict) return { ok: false, response: failure(401, MALFORMED, CHALLENGE) };
  const c: Credentials = { allowAnonymous: !opts.tokenAuth && !opts.cert };
  if (opts.cert) c.certificate = { cn: opts.cert.cn, fingerprint256: opts.cert.fingerprint256 };
  if (h.kind === "token") c.token = h.token;
  const r = auth.identify(c);
  if (r.ok) return r;
  const presented = h.kind === "token" ? h.token : undefined;
  switch (r.code) {
    case "unavailable":
      log?.error("client check failed: registry unavailable");
      return { ok: false, response: failure(503, "authentication unavailable, try again") };
    case "missing_credentials":
      return { ok: false, response: failure(401, "missing authorization token", CHALLENGE) };
    case "invalid_certificate":
      log?.warn(`refused client certificate of "${opts.cert?.cn}": ${r.reason}`);
      return { ok: false, response: failure(401, "invalid client certificate") };
    case "mismatch":
      log?.warn(`refused: ${r.reason}`);
      return {
        ok: false,
        response: failure(403, "token and client certificate belong to different clients"),
      };
    case "invalid_scopes":
      return {
        ok: false,
        response: failure(403, "this key's stored scopes are invalid; fix them with neo shell key scope"),
      };
    default: {
      // the token is a secret: log only the client id, and only when the value has the
      // token's shape (anything else may be a password or a session token pasted here)
      const id = presented === undefined ? null : tokenClientId(presented);
      log?.warn(
        id
          ? `refused token for "${id}": ${r.reason}`
          : `refused a bearer value that is not a client token: ${r.reason}`,
      );
      return {
        ok: false,
        response: failure(401, "invalid token", { "www-authenticate": 'Bearer realm="neo", error="invalid_token"' }),
      };
    }
  }
}
