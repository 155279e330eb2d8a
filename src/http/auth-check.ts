// Bearer-token check for /db/*: every request, no cache, so a deleted key is refused on
// the very next request.
import type { Logger } from "../lib/log.ts";
import type { PeerCert } from "../lib/peer-cert.ts";
import { tokenClientId } from "../registry/index.ts";
import { bearerToken } from "../lib/http/bearer.ts";
import { failure } from "../lib/http/respond.ts";

export type VerifyResult = { ok: true; clientId: string; expiresAt: number } | { ok: false; reason: string };

export interface TokenVerifier {
  verifyToken(token: string): VerifyResult;
  /** registry check of a client certificate whose chain TLS already verified */
  verifyCert?(cert: { fingerprint256: string; cn: string }): VerifyResult;
  /** record LAST USED once every check of the request passed */
  markUsed?(clientId: string): void;
}

/** a client certificate verified at the TLS handshake (chain to the gateway CA) */
export type HandshakeCert = Pick<PeerCert, "cn" | "fingerprint256">;

export type AuthOutcome = { ok: true; clientId: string } | { ok: false; response: Response };

const CHALLENGE = { "www-authenticate": 'Bearer realm="neo"' };

export function checkToken(req: Request, verifier: TokenVerifier, log?: Logger): AuthOutcome {
  const token = bearerToken(req);
  if (token === undefined) {
    const present = req.headers.get("authorization") !== null;
    return {
      ok: false,
      response: failure(
        401,
        present ? "malformed authorization header: use Authorization: Bearer <token>" : "missing authorization token",
        CHALLENGE,
      ),
    };
  }
  const r = verifier.verifyToken(token);
  if (!r.ok && r.reason === "registry unavailable") {
    log?.error("token check failed: registry unavailable");
    return { ok: false, response: failure(503, "authentication unavailable, try again") };
  }
  if (!r.ok) {
    // the token is a secret: log only the client id, and only when the value has the
    // token's shape (anything else may be a password or a session token pasted here)
    const id = tokenClientId(token);
    log?.warn(
      id ? `refused token for "${id}": ${r.reason}` : `refused a bearer value that is not a client token: ${r.reason}`,
    );
    return {
      ok: false,
      response: failure(401, "invalid token", { "www-authenticate": 'Bearer realm="neo", error="invalid_token"' }),
    };
  }
  return { ok: true, clientId: r.clientId };
}

/**
 * Who sent this /db request. A client certificate (from the HTTPS front) identifies the
 * client without a Bearer header, but only if the registry agrees (registered
 * fingerprint, not revoked or expired, CN = id); a Bearer header sent as well must be a
 * valid token of the same client. Without a certificate, the token rule applies when
 * token auth is on; otherwise the request is anonymous.
 */
export function checkClient(
  req: Request,
  verifier: TokenVerifier,
  opts: { cert?: HandshakeCert; tokenAuth: boolean },
  log?: Logger,
): { ok: true; clientId?: string } | { ok: false; response: Response } {
  const cert = opts.cert;
  if (!cert) return opts.tokenAuth ? checkToken(req, verifier, log) : { ok: true };
  if (!verifier.verifyCert) return { ok: false, response: failure(401, "client certificates are not accepted here") };
  const c = verifier.verifyCert({ fingerprint256: cert.fingerprint256, cn: cert.cn });
  if (!c.ok && c.reason === "registry unavailable") {
    log?.error("certificate check failed: registry unavailable");
    return { ok: false, response: failure(503, "authentication unavailable, try again") };
  }
  if (!c.ok) {
    log?.warn(`refused client certificate of "${cert.cn}": ${c.reason}`);
    return { ok: false, response: failure(401, "invalid client certificate") };
  }
  if (req.headers.get("authorization") === null) return { ok: true, clientId: c.clientId };
  // a second credential must agree with the certificate
  const t = checkToken(req, verifier, log);
  if (!t.ok) return t;
  if (t.clientId !== c.clientId) {
    log?.warn(`refused token of "${t.clientId}" sent with the certificate of "${c.clientId}"`);
    return { ok: false, response: failure(403, "token and client certificate belong to different clients") };
  }
  return { ok: true, clientId: c.clientId };
}
