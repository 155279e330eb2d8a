// The WebSocket upgrade for MQTT at /mqtt. The MQTT CONNECT that follows is
// authenticated like any other; but a credential sent with the upgrade itself (an
// `Authorization: Bearer|Thing|Client` header or an `?authorization=` query, the
// Mainflux/Magistrala WSS habit) must be valid, and with a client certificate it must
// belong to the same client (Mainflux docs: "Authorization header or authorization query parameter
// must match cert key"). Nothing is let through on the strength of it alone. The check
// is identify()'s, like every other.
import type { Auth } from "../auth/index.ts";
import { clientAuthorization } from "../lib/http/bearer.ts";
import type { PeerCert } from "../mqtt/index.ts";

const refuse = (status: number, reason: string) => Response.json({ success: false, reason }, { status });

/** undefined: go ahead; a Response: refuse the upgrade with it */
export function checkWsUpgrade(req: Request, auth: Auth, cert: PeerCert | undefined): Response | undefined {
  const h = clientAuthorization(req);
  if (h.kind === "malformed") return refuse(401, "malformed authorization header: use Authorization: Bearer <token>");
  const fromQuery = new URL(req.url).searchParams.get("authorization");
  // the query may carry a scheme too (`?authorization=Client%20<token>`)
  const token = h.kind === "token" ? h.token : fromQuery?.replace(/^\s*(?:bearer|thing|client)\s+/i, "").trim();
  if (token === undefined || token === "") return undefined;
  const r = auth.identify({
    token,
    allowAnonymous: false,
    ...(cert ? { certificate: { cn: cert.cn, fingerprint256: cert.fingerprint256 } } : {}),
  });
  if (r.ok) return undefined;
  if (r.code === "unavailable") return refuse(503, "authentication unavailable, try again");
  if (r.code === "invalid_certificate") return refuse(401, "invalid client certificate");
  if (r.code === "mismatch") return refuse(403, "token and client certificate belong to different clients");
  return refuse(401, "invalid token");
}
