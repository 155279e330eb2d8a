// The uplink as a TCP relay the bench can cut: the bridges connect here, the relay
// connects on to the upstream broker. An outage closes every relayed connection and
// stops listening, while the upstream (and the sink subscribed to it) stays up, so the
// catch-up rate is the bridge's, not the sink's reconnect. stall() makes the open
// connections half-open: nothing is forwarded any more either way and nothing is closed
// (no FIN, no RST), as when a NAT or a mobile link silently drops a flow; new connections
// are relayed as usual.
import type { Socket, TCPSocketListener } from "bun";

interface Side {
  peer: Socket<Side> | null;
  /** the bridge's end (not the upstream's) */
  client: boolean;
  /** half-open: bytes are dropped, closes not passed on */
  stalled: boolean;
  /** bytes waiting to be written to this socket */
  backlog: Buffer[];
  /** bytes from this socket that came before its peer was connected */
  early: Buffer[];
}

function relay(from: Buffer, to: Socket<Side> | null, side: Side): void {
  if (side.stalled) return;
  if (!to) {
    side.early.push(Buffer.from(from));
    return;
  }
  if (to.data.backlog.length > 0) {
    to.data.backlog.push(Buffer.from(from));
    return;
  }
  const n = to.write(from);
  if (n < from.length) to.data.backlog.push(Buffer.from(from.subarray(Math.max(0, n))));
}

function drain(s: Socket<Side>): void {
  while (s.data.backlog.length > 0) {
    const head = s.data.backlog[0] as Buffer;
    const n = s.write(head);
    if (n < head.length) {
      s.data.backlog[0] = head.subarray(Math.max(0, n));
      return;
    }
    s.data.backlog.shift();
  }
}

export function createLink(listenPort: number, upstreamPort: number) {
  let listener: TCPSocketListener<Side> | null = null;
  const open = new Set<Socket<Side>>();
  let stalledWaits: { sockets: Set<Socket<Side>>; done(at: number): void }[] = [];
  const stalledClosed = (s: Socket<Side>) => {
    for (const w of stalledWaits) {
      w.sockets.delete(s);
      if (w.sockets.size === 0) w.done(Date.now());
    }
    stalledWaits = stalledWaits.filter((w) => w.sockets.size > 0);
  };
  return {
    /** half-open every open connection; resolves (Date.now()) once the bridge closed its end of each */
    stall(): Promise<number> {
      const sockets = new Set<Socket<Side>>();
      for (const s of open) {
        s.data.stalled = true;
        s.data.backlog = [];
        if (s.data.client) sockets.add(s);
      }
      if (sockets.size === 0) return Promise.resolve(Date.now());
      return new Promise((done) => stalledWaits.push({ sockets, done }));
    },
    up() {
      listener = Bun.listen<Side>({
        hostname: "127.0.0.1",
        port: listenPort,
        socket: {
          open(client) {
            client.data = { peer: null, client: true, stalled: false, backlog: [], early: [] };
            open.add(client);
            Bun.connect<Side>({
              hostname: "127.0.0.1",
              port: upstreamPort,
              data: { peer: client, client: false, stalled: false, backlog: [], early: [] },
              socket: {
                open(up) {
                  up.setNoDelay(true);
                  open.add(up);
                  client.data.peer = up;
                  const early = client.data.early.splice(0);
                  for (const b of early) relay(b, up, up.data);
                },
                data(_up, d) {
                  relay(d, client, client.data);
                },
                drain,
                close(up) {
                  open.delete(up);
                  if (!up.data.stalled) client.end();
                },
                error() {},
              },
            }).catch(() => client.end());
          },
          data(client, d) {
            relay(d, client.data.peer, client.data);
          },
          drain,
          close(client) {
            open.delete(client);
            if (client.data.stalled) stalledClosed(client);
            else client.data.peer?.end();
          },
          error() {},
        },
      });
    },
    down() {
      listener?.stop(true);
      listener = null;
      for (const s of open) s.terminate();
      open.clear();
    },
  };
}
