// EST (RFC 7030) under /.well-known/est/: the operations any client may call before it
// holds a certificate. `cacerts` (4.1): the gateway CA as PKCS#7 certs-only, base64
// (what a device installs as its trust anchor, `openssl pkcs7 -print_certs` reads it);
// `csrattrs` (4.5): 204, the gateway asks for no particular CSR attributes (it sets the
// subject itself).
import type { RouteSpec } from "../route.ts";

const PKCS7_CERTS = "application/pkcs7-mime; smime-type=certs-only";

export function estRoutes(d: { cacerts: () => Promise<string> }): RouteSpec[] {
  let cached: Promise<string> | undefined;
  return [
    {
      method: "GET",
      path: "/.well-known/est/cacerts",
      who: "public",
      handler: async () => {
        cached ??= d.cacerts();
        // RFC 7030 4.1.3: base64 (RFC 4648) of the DER, lines of 64 characters
        const body = `${((await cached).match(/.{1,64}/g) ?? []).join("\r\n")}\r\n`;
        return new Response(body, {
          headers: { "content-type": PKCS7_CERTS, "content-transfer-encoding": "base64", "cache-control": "no-store" },
        });
      },
    },
    {
      method: "GET",
      path: "/.well-known/est/csrattrs",
      who: "public",
      handler: () => new Response(null, { status: 204 }),
    },
  ];
}
