// Http { Listen, EnableTokenAuth, AllowedHosts, TrustedProxies, MetricsPublic, Tls { ... } }
import { DEFAULT_HTTP_PORT } from "../defaults.ts";
import { HTTP_TRANSPORTS } from "../types.ts";
import { addressList, bool, hostList, int } from "./leaves.ts";
import { listenerBlocks } from "./listener-blocks.ts";
import { applyService, checkTlsPair, listen, listenLine, tls, tlsLines } from "./service.ts";
import { q, type Section } from "./spec.ts";

/** Http { Listener "name" { ... } } and Listeners = [...] */
const blocks = listenerBlocks({
  svc: "http",
  key: "Http",
  transports: HTTP_TRANSPORTS,
  certTransports: ["https"],
  examples: ["http://127.0.0.1:5654", "https://0.0.0.0:5443"],
});

export const httpSection: Section = {
  key: "Http",
  spec: {
    kind: "block",
    fields: {
      Listen: listen("http"),
      EnableTokenAuth: bool((p, b) => (p.http.enableTokenAuth = b)),
      AllowedHosts: hostList((p, h) => (p.http.allowedHosts = h)),
      TrustedProxies: addressList((p, l) => (p.http.trustedProxies = l)),
      MetricsPublic: bool((p, b) => (p.http.metricsPublic = b)),
      MaxRequestsPerAddress: int(1, 1_000_000, (p, n) => (p.http.maxRequestsPerAddress = n)),
      Tls: tls("http", ["none", "optional", "require"]),
      Listener: blocks.listenerSpec,
      Listeners: blocks.listenersList,
    },
  },
  check: (p, ctx) => {
    checkTlsPair("Http", ctx);
    blocks.check(p, ctx, p.mqtt.listeners);
  },
  apply: (cfg, p) => {
    applyService(cfg, p, "http");
    const ls = blocks.resolved(p);
    if (ls) cfg.http.listeners = ls;
    if (p.http.metricsPublic !== undefined) cfg.http.metricsPublic = p.http.metricsPublic;
    if (p.http.allowedHosts !== undefined) cfg.http.allowedHosts = p.http.allowedHosts;
    if (p.http.trustedProxies !== undefined) cfg.http.trustedProxies = p.http.trustedProxies;
    if (p.http.maxRequestsPerAddress !== undefined) cfg.http.maxRequestsPerAddress = p.http.maxRequestsPerAddress;
  },
  format: (cfg) => [
    "Http {",
    listenLine(cfg, "http"),
    `  EnableTokenAuth = ${cfg.http.enableTokenAuth}`,
    `  AllowedHosts = [${cfg.http.allowedHosts.map(q).join(", ")}]`,
    `  TrustedProxies = [${cfg.http.trustedProxies.map(q).join(", ")}]`,
    ...(cfg.http.metricsPublic === undefined ? [] : [`  MetricsPublic = ${cfg.http.metricsPublic}`]),
    ...(cfg.http.maxRequestsPerAddress === undefined
      ? []
      : [`  MaxRequestsPerAddress = ${cfg.http.maxRequestsPerAddress}`]),
    ...tlsLines(cfg.http.tls),
    ...blocks.lines(cfg.http.listeners),
    "}",
  ],
  sample: () => `Http {
  # Address of the HTTP API and web UI: "host:port", "tcp://host:port" or "[::1]:port".
  # Port 0 picks a free port. Use "0.0.0.0:${DEFAULT_HTTP_PORT}" to listen beyond this machine.
  # Env NEO_HOST / NEO_HTTP_PORT, flags --host / --http-port.
  Listen = "127.0.0.1:${DEFAULT_HTTP_PORT}"

  # Requests one client address may have in progress on all HTTP listeners together (an
  # answer still being read counts); past it 503 with Retry-After, at once. /health is
  # never counted or refused.
  MaxRequestsPerAddress = 1000

  # Require "Authorization: Bearer <token>" on /db/* (tokens from \`neo shell key gen\`).
  # Env NEO_HTTP_ENABLE_TOKEN_AUTH, flag --http-enable-token-auth.
  EnableTokenAuth = false

  # GET /metrics (Prometheus text format) without a token, for a scraper on a trusted
  # network; otherwise, with token auth on, it needs a key with metrics:read:*.
  # Env NEO_HTTP_METRICS_PUBLIC.
  # MetricsPublic = false

  # Host names the gateway answers to, besides its listen address, localhost and IP
  # addresses: a request naming any other Host is refused (DNS rebinding).
  AllowedHosts = []

  # Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For header names the
  # client: only a request whose TCP peer is listed is believed, and the right-most
  # address in the header that is not itself a listed proxy becomes the client's
  # address for the guard, the audit trail and the logs. Empty: the header is ignored.
  TrustedProxies = []

  Tls {
    # Serve HTTPS with the gateway's own server certificate (or CertFile/KeyFile).
    Enabled = false
    # Client certificates: "none" | "optional" | "require".
    ClientAuth = "none"
    # Bring your own server certificate and key (PEM); give both or neither.
    # CertFile = "/etc/neo/server_cert.pem"
    # KeyFile = "/etc/neo/server_key.pem"
  }

  # More than one listener, each with its own rules: with any Listener block, Listen above
  # is not used; Tls above gives the server certificate of https:// listeners and their
  # default ClientAuth. docs/tls.md "Several HTTP listeners".
  # Listener "local" {
  #   Address = "http://127.0.0.1:5654"
  #   EnableTokenAuth = false
  # }
  # Listener "lan" {
  #   Address = "https://0.0.0.0:5443"
  #   ClientAuth = "require"        # "require" | "optional" | "none"
  #   EnableTokenAuth = true
  # }
}`,
};
