// The gRPC listener: machrpc.Machbase and mgmt.Management on @grpc/grpc-js, behind the
// transport that admits peers at the handshake. A re-check every RECHECK_MS ends what a
// deleted, revoked, rotated or expired credential still holds: open Append streams get
// UNAUTHENTICATED, its connections, result sets and appenders are dropped.
import { Server } from "@grpc/grpc-js";
import { type PeerCert, presentedOf } from "../lib/peer-cert.ts";
import { createHandles, type Handles } from "./handles.ts";
import { connHandlers } from "./machbase-conn.ts";
import { prepareHandlers } from "./machbase-prepare.ts";
import { queryHandlers } from "./machbase-query.ts";
import { writeHandlers } from "./machbase-write.ts";
import { mgmtHandlers } from "./mgmt.ts";
import { loadServices } from "./protos.ts";
import { createFraming } from "./rpc.ts";
import { type GrpcTransport, listenGrpc } from "./transport.ts";
import type { GrpcDeps } from "./types.ts";

const RECHECK_MS = 250;
/** the largest message a client may send (machbase-neo's default too) */
const MAX_MESSAGE = 4 * 1024 * 1024;

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
  const f = createFraming(deps, listener, (peer) => transport?.peerCert(peer));
  const server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE,
    "grpc.max_send_message_length": MAX_MESSAGE,
    // channelz keeps per-call statistics nobody reads here
    "grpc.enable_channelz": 0,
    // one connection cannot open streams without bound, and an idle one is closed
    "grpc.max_concurrent_streams": 100,
    "grpc.max_connection_idle_ms": 5 * 60_000,
  });
  const services = loadServices();
  const { openRows, ...query } = queryHandlers(deps, f, handles);
  const { insert, ...write } = writeHandlers(deps, f, handles);
  server.addService(services.machbase, {
    ...connHandlers(deps, f, handles),
    ...query,
    ...write,
    ...prepareHandlers(f, handles, { openRows, insert }),
  });
  server.addService(services.management, mgmtHandlers(deps, f, handles));

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
    server,
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
      server.forceShutdown();
      await transport?.stop();
    },
  };
}
