// EST (RFC 7030) under /.well-known/est/ on https:// listeners only (tlsOnly; elsewhere 403):
//   cacerts (4.1)        the gateway CA as PKCS#7 certs-only, base64 (anyone)
//   csrattrs (4.5)       204: the gateway asks for no CSR attributes (it sets the subject)
//   simpleenroll (4.2)   a PKCS#10 request (base64 DER) in, the certificate out (PKCS#7
//                        certs-only, base64); identified by a one-time enrollment secret
//                        (Basic <id>:<secret>, `neo shell key enroll`) or a valid
//                        certificate of the same client (TLS client certificate)
//   simplereenroll (4.2.2) renewal with the current certificate as the TLS client certificate
// Identity goes through the runner's identify() like every route; app does the signing
// and registering (est.enroll / est.renew), so this file never sees the registry.
import type { Identified } from "../../auth/index.ts";
import { failure } from "../../lib/http/respond.ts";
import { readBody } from "../body.ts";
import type { RouteContext, RouteSpec, Who } from "../route.ts";

const PKCS7_CERTS = "application/pkcs7-mime; smime-type=certs-only";
const CSR_LIMIT = 64 * 1024;

export interface EstDeps {
  /** the gateway CA as PKCS#7 certs-only, base64 */
  cacerts(): Promise<string>;
  /** sign the request for the principal (enrollment secret, or its own certificate); PKCS#7 base64 */
  enroll(p: Identified, csrBase64: string): Promise<string>;
  /** sign the request for the certificate's client, keep id and scopes, retire the old one after the grace period */
  renew(p: Identified, csrBase64: string): Promise<string>;
}

/** RFC 7030 4.1.3: base64 (RFC 4648) of the DER, lines of 64 characters */
const pkcs7 = (b64: string) =>
  new Response(`${(b64.match(/.{1,64}/g) ?? []).join("\r\n")}\r\n`, {
    headers: { "content-type": PKCS7_CERTS, "content-transfer-encoding": "base64", "cache-control": "no-store" },
  });

const ENROLL: Who = { forms: ["mainflux", "cert"], enrollments: true };
const RENEW: Who = { forms: ["cert"] };

async function csrOf(req: Request): Promise<string | Response> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/pkcs10") return failure(415, "send the request as Content-Type: application/pkcs10");
  const text = new TextDecoder().decode(await readBody(req, CSR_LIMIT)).trim();
  if (text === "") return failure(400, "no certificate request in the body (base64 PKCS#10)");
  return text;
}

const isCert = (p: Identified | undefined) => p?.ref.kind === "client" && p.ref.form === "cert";

export function estRoutes(d: EstDeps): RouteSpec[] {
  let cached: Promise<string> | undefined;
  const sign = async (req: Request, c: RouteContext, how: "enroll" | "renew") => {
    const p = c.principal;
    if (!p) return failure(401, "enroll with Basic <id>:<enrollment secret> or the client's certificate");
    const csr = await csrOf(req);
    if (csr instanceof Response) return csr;
    c.changed = { target: p.id };
    return pkcs7(how === "enroll" ? await d.enroll(p, csr) : await d.renew(p, csr));
  };
  return [
    {
      method: "GET",
      tlsOnly: true,
      path: "/.well-known/est/cacerts",
      who: "public",
      handler: async () => {
        cached ??= d.cacerts();
        return pkcs7(await cached);
      },
    },
    {
      method: "GET",
      tlsOnly: true,
      path: "/.well-known/est/csrattrs",
      who: "public",
      handler: () => new Response(null, { status: 204 }),
    },
    {
      method: "POST",
      tlsOnly: true,
      path: "/.well-known/est/simpleenroll",
      who: ENROLL,
      change: "key.enroll",
      handler: (req, c) =>
        c.principal?.ref.kind === "enrollment" || isCert(c.principal)
          ? sign(req, c, "enroll")
          : failure(403, "enrollment takes an enrollment secret or the client's own certificate"),
    },
    {
      method: "POST",
      tlsOnly: true,
      path: "/.well-known/est/simplereenroll",
      who: RENEW,
      change: "key.renew",
      handler: (req, c) =>
        isCert(c.principal) ? sign(req, c, "renew") : failure(403, "renewal takes the client's current certificate"),
    },
  ];
}
