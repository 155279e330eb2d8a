// Grpc { Listen, Tls { Enabled, ClientAuth, CertFile, KeyFile } }: machbase-neo's gRPC API
// (docs/grpc.md). Off unless the block is in the file; inside it the defaults are
// machbase-neo's port and mutual TLS with the client keys `neo shell key gen` issues.
import { DEFAULT_GRPC_PORT } from "../defaults.ts";
import { formatListen } from "../listen.ts";
import type { ClientAuthMode, NeoConfig } from "../types.ts";
import { bool, listenAt, oneOf, path } from "./leaves.ts";
import type { ConfigPatch, GrpcPatch } from "./patch.ts";
import { checkTlsPair, tlsLines } from "./service.ts";
import { def, q, type Section } from "./spec.ts";

const grpc = (p: ConfigPatch): GrpcPatch => (p.grpc ??= { tls: {} });
const MODES: readonly ClientAuthMode[] = ["none", "optional", "require"];

const listen = listenAt((p, at) => {
  grpc(p).host = at.host;
  grpc(p).port = at.port;
});

/** the listener's settings once the block is there: machbase-neo's port, mutual TLS */
function grpcDefaults(): NonNullable<NeoConfig["grpc"]> {
  return { listen: { host: "127.0.0.1", port: DEFAULT_GRPC_PORT }, tls: { enabled: true, clientAuth: "require" } };
}

export const grpcSection: Section = {
  key: "Grpc",
  spec: {
    kind: "block",
    present: (p) => void grpc(p),
    fields: {
      Listen: listen,
      Tls: {
        kind: "block",
        fields: {
          Enabled: bool((p, b) => (grpc(p).tls.enabled = b)),
          ClientAuth: oneOf(MODES, (p, m) => (grpc(p).tls.clientAuth = m)),
          CertFile: path((p, f) => (grpc(p).tls.certFile = f)),
          KeyFile: path((p, f) => (grpc(p).tls.keyFile = f)),
        },
      },
    },
  },
  check: (_p, ctx) => checkTlsPair("Grpc", ctx),
  apply: (cfg, p) => {
    const g = p.grpc;
    if (!g) return;
    const c = (cfg.grpc ??= grpcDefaults());
    c.listen.host = def(g.host, c.listen.host);
    c.listen.port = def(g.port, c.listen.port);
    c.tls.enabled = def(g.tls.enabled, c.tls.enabled);
    c.tls.clientAuth = def(g.tls.clientAuth, c.tls.clientAuth);
    if (g.tls.certFile !== undefined) c.tls.certFile = g.tls.certFile;
    if (g.tls.keyFile !== undefined) c.tls.keyFile = g.tls.keyFile;
  },
  format: (cfg) =>
    cfg.grpc ? ["Grpc {", `  Listen = ${q(formatListen(cfg.grpc.listen))}`, ...tlsLines(cfg.grpc.tls), "}"] : [],
  sample: () => `# machbase-neo's gRPC API (machrpc.Machbase, mgmt.Management), off unless this block is
# here. Clients authenticate with the certificate from \`neo shell key gen\` (mutual TLS);
# a token may also come as "authorization: Bearer <token>" metadata. See docs/grpc.md.
# Grpc {
#   Listen = "127.0.0.1:${DEFAULT_GRPC_PORT}"
#   Tls {
#     Enabled = true
#     # Client certificates: "none" | "optional" | "require" (then every caller has one).
#     ClientAuth = "require"
#   }
# }`,
};
