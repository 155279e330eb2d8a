// A Bun socket through SocketDuplex carries node:http2 both ways: a request body and an
// answer larger than the socket takes at once (partial writes, the drain, the end after it).
import { afterEach, expect, test } from "bun:test";
import http2 from "node:http2";
import type { TCPSocketListener } from "bun";
import { SocketDuplex } from "./socket-duplex.ts";
import type { Attached, Conn } from "./transport.ts";

let listener: TCPSocketListener<Conn & { to: Attached | null }> | undefined;
afterEach(() => listener?.stop(true));

test("HTTP/2 over the duplex: 8 MiB answered whole, the request body read, the peer as net's", async () => {
  const big = Buffer.alloc(8 * 1024 * 1024, 7);
  const h2 = http2.createServer();
  const peers: string[] = [];
  h2.on("stream", (st: http2.ServerHttp2Stream) => {
    const s = st.session?.socket as unknown as { remoteAddress: string; remotePort: number };
    peers.push(`${s.remoteAddress}:${typeof s.remotePort}`);
    let n = 0;
    st.on("data", (d: Buffer) => {
      n += d.length;
    });
    st.on("end", () => {
      st.respond({ ":status": 200, "x-got": String(n) });
      st.end(big);
    });
  });
  listener = Bun.listen<Conn & { to: Attached | null }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { early: [], earlyBytes: 0, timer: null, key: null, to: null, gone: false, counted: false };
        const d = new SocketDuplex(s, undefined, false);
        h2.emit("connection", d);
        s.data.to = d.attached();
      },
      data: (s, b) => s.data.to?.data(b),
      drain: (s) => s.data.to?.drain(),
      close: (s) => s.data.to?.closed(),
    },
  });
  const c = http2.connect(`http://127.0.0.1:${listener.port}`);
  const req = c.request({ ":path": "/", ":method": "POST" });
  req.end(Buffer.alloc(300_000, 1));
  const got = await new Promise<{ len: number; header: unknown }>((resolve, reject) => {
    let len = 0;
    let header: unknown;
    req.on("response", (h) => {
      header = h["x-got"];
    });
    req.on("data", (d: Buffer) => {
      len += d.length;
    });
    req.on("end", () => resolve({ len, header }));
    req.on("error", reject);
  });
  c.close();
  expect(got).toEqual({ len: big.length, header: "300000" });
  expect(peers).toEqual(["127.0.0.1:number"]);
});
