// Without credentials nobody can make the gateway buffer much: bodies are capped while
// they arrive (chunked too), and MQTT connections that have not been accepted may hold
// only a small CONNECT, all of them together a bounded budget.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Socket } from "bun";
import { cleanup, run, startServer, tempDir, type Server } from "./harness.ts";

const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
const MB = 1024 * 1024;

/** POST a chunked body of up to `mb` MB in 64 KiB chunks; stops as soon as the server answers */
async function chunkedPost(
  port: number,
  path: string,
  mb: number,
): Promise<{ sent: number; head: string; body: string }> {
  let resp = "";
  let closed = false;
  const s = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, d) => {
        resp += Buffer.from(d).toString();
      },
      close: () => {
        closed = true;
      },
    },
  });
  s.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  const piece = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(65536, 0x61), Buffer.from("\r\n")]);
  let sent = 0;
  while (sent < mb * MB && !closed && !resp.includes("\r\n\r\n")) {
    let buf = piece;
    while (buf.length > 0 && !closed && !resp) {
      const n = s.write(buf);
      if (n > 0) buf = buf.subarray(n);
      if (buf.length > 0) await Bun.sleep(1);
    }
    sent += 65536;
  }
  for (let i = 0; i < 200 && !resp.includes("}") && !closed; i++) await Bun.sleep(5);
  s.end();
  const [head = "", body = ""] = resp.split("\r\n\r\n");
  return { sent, head, body };
}

describe("unauthenticated budgets", () => {
  let srv: Server;
  let dir: string;
  let httpPort: number;
  beforeAll(async () => {
    dir = tempDir();
    srv = await startServer([], { data: dir });
    httpPort = Number(srv.ready.http.split(":").pop());
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(dir);
  });

  test("a chunked 64 MB body to /web/api/login is refused with 413 after at most its 64 KiB cap", async () => {
    const before = rss(srv.proc.pid);
    const r = await chunkedPost(httpPort, "/web/api/login", 64);
    expect(r.head).toStartWith("HTTP/1.1 413");
    expect(JSON.parse(r.body.slice(r.body.indexOf("{"), r.body.lastIndexOf("}") + 1))).toEqual({
      success: false,
      reason: "request body exceeds 65536 bytes",
    });
    expect(r.sent).toBeLessThan(64 * MB);
    expect(rss(srv.proc.pid) - before).toBeLessThan(40 * MB);
  });

  test("a chunked body over 16 MiB to /db/write is refused with a JSON 413 while it arrives", async () => {
    const r = await chunkedPost(httpPort, "/db/write/T", 48);
    expect(r.head).toStartWith("HTTP/1.1 413");
    expect(r.body).toContain('"reason":"request body exceeds 16777216 bytes"');
  });

  test("300 partial 1 MB CONNECTs are closed at their header; RSS stays flat and mosquitto_pub still connects", async () => {
    const before = rss(srv.proc.pid);
    const closed: Promise<void>[] = [];
    const sockets: Socket<undefined>[] = [];
    // CONNECT with remaining length 1,000,000 (varint c0 84 3d), then 16 KB of it
    const head = Buffer.concat([Buffer.from([0x10, 0xc0, 0x84, 0x3d, 0, 4]), Buffer.from("MQTT"), Buffer.alloc(16384)]);
    for (let i = 0; i < 300; i++) {
      let done!: () => void;
      closed.push(new Promise<void>((r) => (done = r)));
      const s = await Bun.connect({
        hostname: srv.mqttHost,
        port: srv.mqttPort,
        socket: { data() {}, close: () => done(), error: () => done() },
      });
      s.write(head);
      sockets.push(s);
    }
    await Promise.all(closed);
    expect(rss(srv.proc.pid) - before).toBeLessThan(40 * MB);
    const pub = await run(["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-t", "x", "-m", "ok"]);
    expect(pub.code).toBe(0);
  });

  test("the same over WebSocket: partial CONNECTs in WebSocket frames are closed at their header", async () => {
    const before = rss(srv.proc.pid);
    const head = Buffer.concat([Buffer.from([0x10, 0xc0, 0x84, 0x3d, 0, 4]), Buffer.from("MQTT"), Buffer.alloc(65536)]);
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      const ws = new WebSocket(`ws://${srv.ready.http}/mqtt`, ["mqtt"]);
      closed.push(
        new Promise<void>((resolve) => {
          ws.onopen = () => ws.send(head);
          ws.onclose = () => resolve();
          ws.onerror = () => resolve();
        }),
      );
    }
    await Promise.all(closed);
    expect(rss(srv.proc.pid) - before).toBeLessThan(40 * MB);
  });
});
