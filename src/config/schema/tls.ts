// Tls { TrustedClientCAs = [...], TrustedCA "name" { File, Identity, UriPrefix, Policy, CrlFile } }:
// client certificates from CAs the operator trusts besides the gateway's own (docs/tls.md
// "Bring your own CA"), on every TLS listener.
import { basename } from "node:path";
import { formatDuration } from "../../lib/duration.ts";
import type { TrustedCaConfig } from "../types.ts";
import { duration, oneOf, path, str } from "./leaves.ts";
import type { ConfigPatch, TrustedCaPatch } from "./patch.ts";
import { got, q, type Ctx, type LabelledSpec, type LeafSpec, type Section } from "./spec.ts";

const IDENTITY = ["cn", "san-dns", "san-uri", "san-email", "mainflux-key"] as const;
const POLICY = ["pinned", "ca"] as const;
const current = (p: ConfigPatch): TrustedCaPatch => p.trustedCas?.at(-1) as TrustedCaPatch;

const fileList: LeafSpec = {
  kind: "leaf",
  type: 'list of PEM files (each: Identity "cn", Policy "pinned")',
  read: (v, ctx) => {
    if (v.kind !== "list") return `expected a list of PEM files ["/etc/neo/company-ca.pem"], got ${got(v)}`;
    const out: TrustedCaPatch[] = [];
    for (const item of v.items) {
      const r = path((_p, f) => out.push({ name: basename(f).replace(/\.[^.]*$/, ""), at: item.pos, file: f }));
      const set = r.read(item, ctx);
      if (typeof set === "string") return set;
      set({} as ConfigPatch);
    }
    return (p) => (p.trustedCas ??= []).push(...out);
  },
};

const trustedCa: LabelledSpec = {
  kind: "labelled",
  label: (name) =>
    /^[A-Za-z0-9_.-]{1,64}$/.test(name)
      ? undefined
      : `CA name ${JSON.stringify(name)}: use 1-64 letters, digits, ".", "-" or "_"`,
  start: (p, name, pos) => (p.trustedCas ??= []).push({ name, at: pos }),
  fields: {
    File: path((p, f) => (current(p).file = f)),
    Identity: oneOf(IDENTITY, (p, x) => (current(p).identity = x)),
    UriPrefix: str((p, s) => (current(p).uriPrefix = s)),
    Policy: oneOf(POLICY, (p, x) => (current(p).policy = x)),
    CrlFile: path((p, f) => (current(p).crlFile = f)),
  },
};

function check(p: ConfigPatch, ctx: Ctx): void {
  const names = new Set<string>();
  for (const c of p.trustedCas ?? []) {
    const say = (message: string) =>
      ctx.problems.push({ pos: c.at, message: `Tls.TrustedCA ${q(c.name)}: ${message}` });
    if (names.has(c.name)) say("two trusted CAs have this name");
    names.add(c.name);
    if (!c.file) say('no File (write File = "/etc/neo/company-ca.pem")');
    if (c.identity === "mainflux-key" && (c.policy ?? "pinned") !== "pinned")
      say('Identity "mainflux-key" needs Policy "pinned": the CN holds a key, not an id');
    if (c.uriPrefix !== undefined && c.identity !== "san-uri") say('UriPrefix needs Identity "san-uri"');
  }
}

export const tlsSection: Section = {
  key: "Tls",
  spec: {
    kind: "block",
    fields: {
      TrustedClientCAs: fileList,
      TrustedCA: trustedCa,
      RenewalGrace: duration(0, 365 * 86_400_000, (p, ms) => (p.renewalGraceMs = ms)),
      ExpiryWarning: duration(0, 3650 * 86_400_000, (p, ms) => (p.expiryWarningMs = ms)),
    },
    hints: Object.fromEntries(
      ["Enabled", "ClientAuth", "CertFile", "KeyFile"].map((k) => [
        k,
        `the top-level Tls block holds trusted client CAs; ${k} belongs in "Http.Tls" or "Mqtt.Tls" or "Grpc.Tls" or "Coap.Tls"`,
      ]),
    ),
  },
  check,
  apply: (cfg, p) => {
    if (p.renewalGraceMs !== undefined) cfg.tls = { trustedCas: [], ...cfg.tls, renewalGraceMs: p.renewalGraceMs };
    if (p.expiryWarningMs !== undefined) cfg.tls = { trustedCas: [], ...cfg.tls, expiryWarningMs: p.expiryWarningMs };
    if (!p.trustedCas?.length) return;
    cfg.tls = {
      ...cfg.tls,
      trustedCas: p.trustedCas.flatMap((c): TrustedCaConfig[] =>
        c.file
          ? [
              {
                name: c.name,
                file: c.file,
                identity: c.identity ?? "cn",
                policy: c.policy ?? "pinned",
                ...(c.uriPrefix !== undefined ? { uriPrefix: c.uriPrefix } : {}),
                ...(c.crlFile !== undefined ? { crlFile: c.crlFile } : {}),
              },
            ]
          : [],
      ),
    };
  },
  format: (cfg) =>
    cfg.tls
      ? [
          "Tls {",
          ...(cfg.tls.renewalGraceMs !== undefined
            ? [`  RenewalGrace = ${q(formatDuration(cfg.tls.renewalGraceMs))}`]
            : []),
          ...(cfg.tls.expiryWarningMs !== undefined
            ? [`  ExpiryWarning = ${q(formatDuration(cfg.tls.expiryWarningMs))}`]
            : []),
          ...cfg.tls.trustedCas.flatMap((c) => [
            `  TrustedCA ${q(c.name)} {`,
            `    File = ${q(c.file)}`,
            `    Identity = ${q(c.identity)}`,
            ...(c.uriPrefix !== undefined ? [`    UriPrefix = ${q(c.uriPrefix)}`] : []),
            `    Policy = ${q(c.policy)}`,
            ...(c.crlFile !== undefined ? [`    CrlFile = ${q(c.crlFile)}`] : []),
            "  }",
          ]),
          "}",
        ]
      : [],
  sample: () => `# Client certificates from your own CA (a company CA, Vault, step-ca), on every TLS
# listener, besides the gateway's own CA. docs/tls.md "Bring your own CA". For example:
# Tls {
#   RenewalGrace = "24h"                 # EST renewal: the replaced certificate works this long
#   ExpiryWarning = "30d"                # log warning + audit row (key.expiring) this long before a key expires
#   TrustedCA "company" {
#     File = "/etc/neo/company-ca.pem"   # the CA (and intermediates)
#     Identity = "cn"                    # cn | san-dns | san-uri | san-email | mainflux-key
#     # UriPrefix = "urn:acme:client:"   # san-uri: the client id follows it
#     Policy = "pinned"                  # pinned: neo shell key import <id> --cert x.pem; ca: any cert naming a key
#     # CrlFile = "/etc/neo/company.crl" # read again when it changes
#   }
# }`,
};
