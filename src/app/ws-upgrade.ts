// The WebSocket upgrade for MQTT at /mqtt. The MQTT CONNECT that follows is
// authenticated like any other; but a credential sent with the upgrade itself (an
// `Authorization: Bearer` header or an `?authorization=` query, the Mainflux/Magistrala
// WSS habit) must be valid, and with a client certificate it must belong to the same
// client (seed: "Authorization header or authorization query parameter must match cert
// key"). Nothing is let through on the strength of it alone.
import type { Auth } from "../auth/index.ts";
import { bearerToken } from "../lib/http/bearer.ts";
import type { PeerCert } from "../mqtt/index.ts";

const refuse = (status: number, reason: string) => Response.json({ success: false, reason }, { status });

/** undefined: go ahead; a Response: refuse the upgrade with it */
export function checkWsUpgrade(req: Request, auth: Auth, cert: PeerCert | undefined): Response | undefined {
  const fromQuery = new URL(req.url).searchParams.get("authorization");
  const hasHeader = req.headers.get("authorization") !== null;
  const token = bearerToken(req) ?? fromQuery ?? undefined;
  if (hasHeader && bearerToken(req) === undefined)
    return refuse(401, "malformed authorization header: use Authorization: Bearer <token>");
  if (token === undefined) return undefined;
  const t = auth.verifyToken(token);
  if (!t.ok) return refuse(401, "invalid token");
  if (cert) {
    const c = auth.verifyCert({ fingerprint256: cert.fingerprint256, cn: cert.cn });
    if (!c.ok) return refuse(401, "invalid client certificate");
    if (c.clientId !== t.clientId) return refuse(403, "token and client certificate belong to different clients");
  }
  return undefined;
}
