// Who is calling the HTTP and WebSocket channel adapters, in the forms Mainflux,
// Magistrala and SuperMQ things use:
//   Authorization: Thing <token> | Client <token> | Bearer <token> | <token>
//   Authorization: Basic base64(<client id>:<token>)
//   ?authorization=<token>  (the WebSocket habit; accepted on both)
//   a client certificate over HTTPS/WSS; a header or query sent with it must be a token
//   of the same client (seed: "it must be the same as the key in the cert").
import type { Auth } from "../auth/index.ts";
import type { FrontPeer } from "../http/index.ts";

export type Caller =
  | { ok: true; clientId: string; fingerprint256: string; expiresAt: number }
  | { ok: false; status: 401 | 403 | 503; reason: string };

const SCHEMES = /^\s*(thing|client|bearer)\s+(\S+)\s*$/i;

/** the token in an Authorization header value; null when the value has no usable form */
function headerToken(h: string): { token: string; user?: string } | null {
  const m = SCHEMES.exec(h);
  if (m) return { token: m[2]! };
  const basic = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(h);
  if (basic) {
    const text = Buffer.from(basic[1]!, "base64").toString("utf8");
    const i = text.indexOf(":");
    if (i < 0) return null;
    return { user: text.slice(0, i), token: text.slice(i + 1) };
  }
  const bare = h.trim();
  return bare !== "" && !/\s/.test(bare) ? { token: bare } : null;
}

const refuse = (status: 401 | 403 | 503, reason: string): Caller => ({ ok: false, status, reason });

export function identifyCaller(req: Request, url: URL, auth: Auth, peer: FrontPeer | undefined): Caller {
  const header = req.headers.get("authorization");
  const query = url.searchParams.get("authorization");
  let sent: { token: string; user?: string } | null = null;
  if (header !== null) {
    sent = headerToken(header);
    if (!sent)
      return refuse(401, "malformed authorization header: use Authorization: Thing <token> (or Client, Bearer)");
  } else if (query !== null && query !== "") {
    sent = headerToken(query) ?? { token: query };
  }
  let fromToken: Caller | undefined;
  if (sent) {
    const t = auth.verifyToken(sent.token);
    if (!t.ok)
      return t.reason === "registry unavailable"
        ? refuse(503, "authentication unavailable")
        : refuse(401, "invalid token");
    if (sent.user !== undefined && sent.user !== t.clientId) return refuse(401, "invalid client id or token");
    fromToken = { ok: true, clientId: t.clientId, fingerprint256: t.fingerprint256, expiresAt: t.expiresAt };
  }
  const cert = peer?.cert;
  if (cert) {
    const c = auth.verifyCert({ fingerprint256: cert.fingerprint256, cn: cert.cn });
    if (!c.ok)
      return c.reason === "registry unavailable"
        ? refuse(503, "authentication unavailable")
        : refuse(401, "invalid client certificate");
    if (fromToken?.ok && fromToken.clientId !== c.clientId)
      return refuse(403, "token and client certificate belong to different clients");
    return {
      ok: true,
      clientId: c.clientId,
      fingerprint256: c.fingerprint256,
      expiresAt: Math.min(c.expiresAt, fromToken?.ok ? fromToken.expiresAt : Number.POSITIVE_INFINITY),
    };
  }
  return fromToken ?? refuse(401, "missing credentials: send Authorization: Thing <token> or a client certificate");
}
