// Coap { Listen, Tls { Listen, ClientAuth, CertFile, KeyFile } }: the CoAP listeners for
// Mainflux-style devices, both off unless configured: Listen is CoAP over UDP (coap://),
// Tls.Listen CoAP over TLS (RFC 8323, coaps+tcp://) with client certificates.
import { formatListen } from "../listen.ts";
import { listenAt, oneOf, path } from "./leaves.ts";
import { q, type Section } from "./spec.ts";

const DEFAULT_COAP_PORT = 5683;
const DEFAULT_COAPS_TCP_PORT = 5684;

export const coapSection: Section = {
  key: "Coap",
  spec: {
    kind: "block",
    fields: {
      Listen: listenAt((p, l) => (p.coap.listen = l)),
      Tls: {
        kind: "block",
        fields: {
          Listen: listenAt((p, l) => (p.coap.tlsListen = l)),
          ClientAuth: {
            ...oneOf(["require", "optional"] as const, (p, m) => (p.coap.clientAuth = m)),
            type: 'one of "require", "optional" ("require" unless set)',
          },
          CertFile: path((p, f) => (p.coap.certFile = f)),
          KeyFile: path((p, f) => (p.coap.keyFile = f)),
        },
      },
    },
    hints: {
      Dtls: "neo offers no CoAP over DTLS (coaps://); use Tls { Listen = ... } for coaps+tcp:// (docs/coap.md says why)",
    },
  },
  check: (p, ctx) => {
    const cert = ctx.seen.get("Coap.Tls.CertFile");
    const key = ctx.seen.get("Coap.Tls.KeyFile");
    const pos = cert ?? key;
    if ((cert === undefined) !== (key === undefined) && pos)
      ctx.problems.push({ pos, message: "Coap.Tls.CertFile and Coap.Tls.KeyFile go together: give both or neither" });
    const tlsKey = ["ClientAuth", "CertFile", "KeyFile"].map((k) => ctx.seen.get(`Coap.Tls.${k}`)).find((x) => x);
    if (tlsKey && !p.coap.tlsListen)
      ctx.problems.push({ pos: tlsKey, message: 'Coap.Tls settings need Coap.Tls.Listen (e.g. "127.0.0.1:5684")' });
  },
  apply: (cfg, p) => {
    const c = p.coap;
    if (c.listen) cfg.coap.listen = c.listen;
    if (c.tlsListen) cfg.coap.tls.listen = c.tlsListen;
    if (c.clientAuth) cfg.coap.tls.clientAuth = c.clientAuth;
    if (c.certFile !== undefined) cfg.coap.tls.certFile = c.certFile;
    if (c.keyFile !== undefined) cfg.coap.tls.keyFile = c.keyFile;
  },
  format: (cfg) => {
    const c = cfg.coap;
    if (!c.listen && !c.tls.listen) return [];
    const lines = ["Coap {"];
    if (c.listen) lines.push(`  Listen = ${q(formatListen(c.listen))}`);
    if (c.tls.listen) {
      lines.push("  Tls {", `    Listen = ${q(formatListen(c.tls.listen))}`, `    ClientAuth = ${q(c.tls.clientAuth)}`);
      if (c.tls.certFile !== undefined) lines.push(`    CertFile = ${q(c.tls.certFile)}`);
      if (c.tls.keyFile !== undefined) lines.push(`    KeyFile = ${q(c.tls.keyFile)}`);
      lines.push("  }");
    }
    lines.push("}");
    return lines;
  },
  sample: () => `# Coap {
#   # CoAP for Mainflux-style devices (docs/coap.md), off unless set:
#   # POST coap://<host>/channels/<id>/messages?auth=<key>, GET with Observe to subscribe.
#   # CoAP over UDP (coap://):
#   Listen = "127.0.0.1:${DEFAULT_COAP_PORT}"
#   # CoAP over TLS (RFC 8323, coaps+tcp://) with the gateway's certificate; clients
#   # with a certificate from \`neo shell key gen\` ("require"), or also ?auth= ("optional").
#   Tls {
#     Listen = "127.0.0.1:${DEFAULT_COAPS_TCP_PORT}"
#     ClientAuth = "require"
#   }
# }`,
};
