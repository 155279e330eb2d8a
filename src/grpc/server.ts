// The gRPC listener: machrpc.Machbase and mgmt.Management on @grpc/grpc-js, behind the
// transport that admits peers at the handshake. A re-check every RECHECK_MS ends what a
// deleted, revoked, rotated or expired credential still holds: open Append streams get
// UNAUTHENTICATED, its connections, result sets and appenders are dropped.
import { type PeerCert, presentedOf } from "../lib/peer-cert.ts";
import { createHandles, type Handles } from "./handles.ts";
import type { GrpcService } from "./service.ts";
import { type GrpcTransport, listenGrpc } from "./transport.ts";
import type { GrpcDeps } from "./types.ts";

const RECHECK_MS = 250;

export interface GrpcListenOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string; ca: string; clientAuth: "none" | "optional" | "require" };
}

export interface GrpcListener {
  host: string;
  port: number;
  tls: boolean;
  /** connections open now */
  connections(): number;
  /** open handles and streams (tests, Sessions) */
  handles: Handles;
  stop(): Promise<void>;
}

export async function startGrpc(deps: GrpcDeps, o: GrpcListenOptions): Promise<GrpcListener> {
  const listener = o.tls ? "grpcs" : "grpc";
  const handles = createHandles();
  let transport: GrpcTransport | undefined;
  // grpc-js, the protos and the handlers: loaded by the transport at the first admitted
  // connection (service.ts), so a gateway no gRPC client talks to never holds them
  let service: GrpcService | undefined;
  const load = async () => {
    const started = performance.now();
    const { createGrpcService } = await import("./service.ts");
    service = createGrpcService(deps, listener, o.tls !== undefined, handles, (peer) => transport?.peerCert(peer));
    deps.log.debug(
      `gRPC: grpc-js and the services loaded at the first connection in ${(performance.now() - started).toFixed(1)} ms`,
    );
    return service;
  };

  /** the handshake's question: a banned address or an unregistered certificate goes no further */
  const admit = (peer: { address: string; cert?: PeerCert }): boolean => {
    if (!deps.guard.check(peer.address).ok) return false;
    if (!peer.cert) return true; // no certificate (ClientAuth "none"/"optional"): each call needs a token
    const r = deps.identify({
      certificate: presentedOf(peer.cert, peer.address),
      allowAnonymous: false,
    });
    if (r.ok) return true;
    if (r.kind !== "unavailable") deps.guard.refused(peer.address);
    deps.audit.record({
      kind: "auth",
      action: "connect",
      result: "fail",
      method: "certificate",
      listener,
      address: peer.address,
      client: peer.cert.cn,
      reason: r.reason,
    });
    deps.log.info(`gRPC: refused ${peer.address} at the handshake: ${r.reason}`);
    return false;
  };

  transport = await listenGrpc({
    host: o.host,
    port: o.port,
    ...(o.tls ? { tls: o.tls } : {}),
    admit,
    rejected: (a) => deps.guard.refused(a),
    load,
    log: deps.log,
  });
  const timer = setInterval(() => {
    try {
      handles.sweep((live) => deps.revoked(live));
    } catch (e) {
      deps.log.error("gRPC: re-check failed", e);
    }
  }, RECHECK_MS);
  timer.unref?.();

  return {
    host: transport.host,
    port: transport.port,
    tls: o.tls !== undefined,
    connections: () => transport?.connections() ?? 0,
    handles,
    async stop() {
      clearInterval(timer);
      handles.clear();
      service?.shutdown();
      await transport?.stop();
    },
  };
}
