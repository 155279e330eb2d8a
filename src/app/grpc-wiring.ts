// The gRPC listener's wiring: what the adapter asks (identify, the live re-check, the
// /db/query read check and query pool, the write batcher, key management, the password
// check, the audit trail, the guard, metrics) built from the gateway's own parts.
import { type Auth, type Guard, type PatAuth, shareKey } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import type { Gone, GrpcDeps, GrpcListener, KeyOps } from "../grpc/index.ts";
import { buildInfo } from "../lib/build-info.ts";
import { isNeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { NeoMetrics } from "../metrics/index.ts";
import type { Pki } from "../pki/index.ts";
import type { QueryService } from "../query/index.ts";
import type { AuditLog, Registry, Users } from "../registry/index.ts";
import { type createKeysService, createPasswordLogin, outcomeRow } from "../http/index.ts";
import { listening } from "./listen-error.ts";
import type { ReadCheck } from "./query-authz.ts";
import type { CredentialSignal } from "./credential-signal.ts";
import { loadTlsMaterial } from "./tls-material.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export interface GrpcWiring {
  config: NeoConfig;
  pki: Pki;
  /** client-certificate CAs trusted besides the gateway's own (Tls.TrustedCA), PEM */
  trusted?: readonly string[];
  auth: Auth;
  patAuth: PatAuth;
  users: Users;
  registry: Registry;
  /** the live re-check's change signal (registry, company CRLs) */
  changes: Pick<CredentialSignal, "dataVersion">;
  readCheck: ReadCheck;
  queries: QueryService;
  batcher: WriteBatcher;
  keysApi: ReturnType<typeof createKeysService>;
  audit: AuditLog;
  guard: Guard;
  metrics: NeoMetrics;
  startedAt: number;
  /** the ready line's addresses, for ServicePorts */
  addresses(): { mqtt: string; mqttTls: boolean; http: string; httpTls: boolean; grpc?: string; grpcTls?: boolean };
  log: Logger;
}

/** mgmt's key calls through the same handlers as /keys (their validation, logs and errors) */
function keyOps(w: GrpcWiring): KeyOps {
  const api = w.keysApi;
  const run = async <T>(f: () => Promise<Response>, ok: (body: Record<string, unknown>) => T) => {
    try {
      const res = await f();
      const body = (await res.json()) as Record<string, unknown>;
      return res.status < 300 ? ok(body) : { ok: false as const, reason: String(body.reason ?? res.statusText) };
    } catch (e) {
      if (isNeoError(e)) return { ok: false as const, reason: e.message };
      throw e;
    }
  };
  return {
    list: () =>
      w.registry.list().map((r) => ({
        id: r.id,
        notBefore: Math.floor(r.notBefore / 1000),
        notAfter: Math.floor(r.notAfter / 1000),
      })),
    create: (req, actor) =>
      run(
        () =>
          api.create(
            performance.now(),
            {
              id: req.id,
              type: req.type,
              ...(req.notBefore ? { notBefore: req.notBefore.toISOString() } : {}),
              ...(req.notAfter ? { notAfter: req.notAfter.toISOString() } : {}),
            },
            actor,
          ),
        (b) => ({
          ok: true as const,
          certificate: String(b.certificate),
          key: String(b.privateKey),
          token: String(b.token),
        }),
      ),
    remove: (id, actor) =>
      run(
        () => api.remove(performance.now(), id, actor),
        () => ({ ok: true as const }),
      ),
    serverCert: () => w.pki.caCertPem,
  };
}

export async function startGrpcListener(w: GrpcWiring): Promise<GrpcListener | undefined> {
  const g = w.config.grpc;
  if (!g) return undefined;
  // the listener's code loads only when a Grpc block asks for it; grpc-js and protobufjs at its first client
  const { startGrpc } = await import("../grpc/index.ts");
  let seen = Number.NaN;
  const login = createPasswordLogin({ users: w.users, guard: w.guard, log: w.log });
  const v = buildInfo();
  const [major = 0, minor = 0, patch = 0] = v.version.split(/[.-]/).map((n) => Number(n) || 0);
  const deps: GrpcDeps = {
    identify: (c) => w.auth.identify(c),
    current: (p) => w.auth.current(p.ref),
    // the one live re-check the broker's sessions use: current(ref) of every live handle when
    // the registry or a company CRL changed (credential-signal.ts) or its credential's expiry passed
    revoked(live) {
      const now = Date.now();
      let version = Number.NaN;
      try {
        version = w.changes.dataVersion();
      } catch (e) {
        w.log.error("gRPC: registry version check failed", e);
      }
      const changed = version !== seen;
      seen = version;
      const gone: Gone<(typeof live)[number]>[] = [];
      for (const l of live) {
        if (!changed && now < l.principal.expiresAt) continue;
        const cur = w.auth.current(l.principal.ref);
        if (!cur.ok) gone.push({ entry: l, reason: cur.reason });
      }
      return gone;
    },
    readCheck: (p, sql, decide) => w.readCheck(p, sql, decide),
    // the same fair line per principal as /db/query
    runQuery: (req, who) => w.queries.run(req, undefined, shareKey(who.principal, who.address)),
    write: (table, rows) => w.batcher.write(table, rows),
    keys: keyOps(w),
    async userAuth(name, password, address) {
      const listener = g.tls.enabled ? "grpcs" : "grpc";
      const r = await login(name, password, { ip: address, listener });
      // gRPC's door writes the login's row (the HTTP runner does it for /web/api/login, /users/tokens/issue)
      if (r.checked) w.audit.record(outcomeRow(r.checked, listener, address));
      return r.ok;
    },
    audit: w.audit,
    guard: {
      check: (a) => w.guard.check(a),
      failed: (a) => void w.guard.failed(a),
      refused: (a) => void w.guard.refused(a),
    },
    metrics: { call: (m, c) => w.metrics.grpcCall(m, c) },
    server: {
      version: { major, minor, patch, gitSHA: v.commit, buildTimestamp: v.buildDate },
      startedAt: w.startedAt,
      ports: () => {
        const r = w.addresses();
        return [
          { service: "mqtt", address: `${r.mqttTls ? "tls" : "tcp"}://${r.mqtt}` },
          { service: "http", address: `${r.httpTls ? "https" : "http"}://${r.http}` },
          ...(r.grpc ? [{ service: "grpc", address: `${r.grpcTls ? "tls" : "tcp"}://${r.grpc}` }] : []),
        ];
      },
    },
    log: w.log,
  };
  const tls = g.tls.enabled
    ? { ...(await loadTlsMaterial(w.pki, g.tls, "Grpc", w.trusted)), clientAuth: g.tls.clientAuth }
    : undefined;
  const l = await listening("gRPC", g.listen.host, g.listen.port, () =>
    startGrpc(deps, { host: g.listen.host, port: g.listen.port, ...(tls ? { tls } : {}) }),
  );
  w.log.info(
    `gRPC Listen ${tls ? "tls" : "tcp"}://${l.host}:${l.port}${tls ? ` (client certificates: ${g.tls.clientAuth})` : ""}`,
  );
  if (!tls) w.log.warn("gRPC without TLS: every call needs a token in its metadata, and it travels in clear text");
  return l;
}
