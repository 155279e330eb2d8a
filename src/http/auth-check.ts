// Bearer-token check for /db/*: every request, no cache, so a deleted key is refused on
// the very next request.
import type { Logger } from "../lib/log.ts";
import { failure } from "./json.ts";

export type VerifyResult = { ok: true; clientId: string; expiresAt: number } | { ok: false; reason: string };

export interface TokenVerifier {
  verifyToken(token: string): VerifyResult;
}

export type AuthOutcome = { ok: true; clientId: string } | { ok: false; response: Response };

const CHALLENGE = { "www-authenticate": 'Bearer realm="neo"' };

/** Extract the token from `Authorization: Bearer <token>` (scheme any case); undefined if absent. */
export function bearerToken(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  if (!h) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export function checkToken(req: Request, verifier: TokenVerifier, log?: Logger): AuthOutcome {
  const token = bearerToken(req);
  if (token === undefined) {
    return { ok: false, response: failure(401, "missing authorization token", CHALLENGE) };
  }
  const r = verifier.verifyToken(token);
  if (!r.ok && r.reason === "registry unavailable") {
    log?.error("token check failed: registry unavailable");
    return { ok: false, response: failure(503, "authentication unavailable, try again") };
  }
  if (!r.ok) {
    // the token is a secret: log only the id part before the first ':'
    log?.warn(`refused token for "${token.split(":")[0]}": ${r.reason}`);
    return { ok: false, response: failure(401, "invalid token", { "www-authenticate": 'Bearer realm="neo", error="invalid_token"' }) };
  }
  return { ok: true, clientId: r.clientId };
}
