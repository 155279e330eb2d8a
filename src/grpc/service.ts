// The part of the gRPC listener that loads at the first admitted connection (server.ts):
// @grpc/grpc-js, protobufjs with machbase-neo's services, the handlers, and the connection
// injector the transport hands admitted sockets to. Nothing of it is in memory before a
// gRPC client has passed the handshake's admission (bench/RESULTS.md "Session 7: start").
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { PeerCert } from "../lib/peer-cert.ts";
import type { Handles } from "./handles.ts";
import { connHandlers } from "./machbase-conn.ts";
import { prepareHandlers } from "./machbase-prepare.ts";
import { queryHandlers } from "./machbase-query.ts";
import { writeHandlers } from "./machbase-write.ts";
import { mgmtHandlers } from "./mgmt.ts";
import { loadServices } from "./protos.ts";
import { createFraming } from "./rpc.ts";
import { SocketDuplex } from "./socket-duplex.ts";
import type { Injector } from "./transport.ts";
import type { GrpcDeps } from "./types.ts";

/** the largest message a client may send (machbase-neo's default too) */
const MAX_MESSAGE = 4 * 1024 * 1024;

export interface GrpcService extends Injector {
  /** ends every call and stream at once */
  shutdown(): void;
}

export function createGrpcService(
  deps: GrpcDeps,
  listener: string,
  tls: boolean,
  handles: Handles,
  peerCert: (peer: string) => PeerCert | undefined,
): GrpcService {
  const f = createFraming(deps, listener, peerCert);
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
  // the transport did the TLS handshake: grpc-js speaks HTTP/2 over the admitted socket
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  return {
    attach(s, cert) {
      const d = new SocketDuplex(s, cert, tls);
      injector.injectConnection(d);
      return d.attached();
    },
    destroy: () => injector.destroy(),
    shutdown: () => server.forceShutdown(),
  };
}
