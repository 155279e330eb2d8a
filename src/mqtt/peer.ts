// A WebSocket connection's PeerInfo (hooks.ts) as an instance of a two-field class: 32 bytes in
// JSC where the object literal took 48. A named listener or a verified client certificate are
// added to it when there is one. (A TCP/TLS connection's SocketTransport is its own PeerInfo.)
import type { PeerCert, PeerInfo } from "./hooks.ts";

class Peer {
  constructor(
    readonly transport: PeerInfo["transport"],
    readonly remoteAddress: string,
  ) {}
}

export function peerInfo(
  transport: PeerInfo["transport"],
  remoteAddress: string,
  listener?: string,
  cert?: PeerCert,
): PeerInfo {
  const p: PeerInfo = new Peer(transport, remoteAddress);
  if (listener !== undefined) p.listener = listener;
  if (cert) p.cert = cert;
  return p;
}
