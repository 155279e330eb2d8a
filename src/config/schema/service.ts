// What Http and Mqtt share: the listen address and the Tls block.
import { formatListen } from "../listen.ts";
import type { TlsConfig } from "../types.ts";
import type { ClientAuthMode, NeoConfig } from "../types.ts";
import { bool, listenAt, oneOf, path } from "./leaves.ts";
import type { ConfigPatch } from "./patch.ts";
import { def, q, type BlockSpec, type Ctx, type LeafSpec } from "./spec.ts";

export const listen = (svc: "http" | "mqtt"): LeafSpec =>
  listenAt((p, at) => {
    p[svc].host = at.host;
    p[svc].port = at.port;
  });

export const tls = (svc: "http" | "mqtt", modes: readonly ClientAuthMode[]): BlockSpec => ({
  kind: "block",
  fields: {
    Enabled: bool((p, b) => (p[svc].tls.enabled = b)),
    ClientAuth: oneOf(modes, (p, m) => (p[svc].tls.clientAuth = m)),
    CertFile: path((p, f) => (p[svc].tls.certFile = f)),
    KeyFile: path((p, f) => (p[svc].tls.keyFile = f)),
  },
});

/** Listen, EnableTokenAuth and Tls of one service onto the config */
export function applyService(cfg: NeoConfig, p: ConfigPatch, svc: "http" | "mqtt"): void {
  const s = p[svc];
  const c = cfg[svc];
  c.listen.host = def(s.host, c.listen.host);
  c.listen.port = def(s.port, c.listen.port);
  c.enableTokenAuth = def(s.enableTokenAuth, c.enableTokenAuth);
  c.tls.enabled = def(s.tls.enabled, c.tls.enabled);
  c.tls.clientAuth = def(s.tls.clientAuth, c.tls.clientAuth);
  if (s.tls.certFile !== undefined) c.tls.certFile = s.tls.certFile;
  if (s.tls.keyFile !== undefined) c.tls.keyFile = s.tls.keyFile;
}

/** CertFile and KeyFile come together */
export function checkTlsPair(key: "Http" | "Mqtt" | "Grpc", ctx: Ctx): void {
  const cert = ctx.seen.get(`${key}.Tls.CertFile`);
  const keyFile = ctx.seen.get(`${key}.Tls.KeyFile`);
  if ((cert === undefined) === (keyFile === undefined)) return;
  const [has, missing] = cert ? ["CertFile", "KeyFile"] : ["KeyFile", "CertFile"];
  const pos = cert ?? keyFile;
  if (pos)
    ctx.problems.push({
      pos,
      message: `${key}.Tls.${has} is set but ${key}.Tls.${missing} is not; give both or neither`,
    });
}

export const listenLine = (cfg: NeoConfig, svc: "http" | "mqtt") => `  Listen = ${q(formatListen(cfg[svc].listen))}`;

export function tlsLines(t: TlsConfig): string[] {
  const lines = [`    Enabled = ${t.enabled}`, `    ClientAuth = ${q(t.clientAuth)}`];
  if (t.certFile !== undefined) lines.push(`    CertFile = ${q(t.certFile)}`);
  if (t.keyFile !== undefined) lines.push(`    KeyFile = ${q(t.keyFile)}`);
  return ["  Tls {", ...lines, "  }"];
}
