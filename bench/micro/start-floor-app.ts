// The floor under `neo serve`'s start (bench/micro/start-floor.ts compiles and runs this):
// what neo's start touches in Bun 1.4, with no neo code. In neo's order: the MQTT listeners
// (tcp; every: tls and ws too) accept at once, the SQLite connections neo keeps open are
// opened (WAL, a schema statement and a read each), the CONNECTs that waited are answered
// (CONNACK 0 to any CONNECT), then (every) Bun.serve over HTTP and HTTPS, a node:http2 TLS
// server (what grpc-js serves with), a UDP socket (CoAP) and a TLS listener (coaps+tcp); a
// full collection, then the ready line.
//   start-floor-app <mqtt-port> <data-dir> <cert.pem> <key.pem> mqtt|every
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import type { ServerHttp2Stream } from "node:http2";
import { join } from "node:path";

const [portText, dataDir, certFile, keyFile, set] = process.argv.slice(2);
if (!portText || !dataDir || !certFile || !keyFile || (set !== "mqtt" && set !== "every"))
  throw new Error("usage: start-floor-app <mqtt-port> <data-dir> <cert.pem> <key.pem> mqtt|every");
const every = set === "every";
const tls = { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
const CONNACK = new Uint8Array([0x20, 0x02, 0x00, 0x00]);

let answering = false;
const waiting = new Set<{ write(b: Uint8Array): number }>();
/** any packet of type CONNECT (0x10) gets CONNACK 0; before the stores are open it waits */
const onData = (s: { write(b: Uint8Array): number }, d: Uint8Array) => {
  if (d[0] !== 0x10) return;
  if (answering) s.write(CONNACK);
  else waiting.add(s);
};
const mqttSocket = { data: onData, open() {}, close() {}, error() {} };
Bun.listen({ hostname: "127.0.0.1", port: Number(portText), socket: mqttSocket });
if (every) {
  Bun.listen({ hostname: "127.0.0.1", port: 0, tls, socket: mqttSocket });
  Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req, server) => (server.upgrade(req) ? undefined : new Response("mqtt over websocket", { status: 400 })),
    websocket: { message: (ws, m) => onData({ write: (b) => ws.sendBinary(b) }, m as Uint8Array) },
  });
}

// neo's connections (`ls -l /proc/<pid>/fd` of a running neo): 12 on registry.db (the
// registry, domains, groups, channels, users, ...), 3 on series.db, 1 on audit.db, 1 on mqtt-state.db
mkdirSync(dataDir, { recursive: true });
const dbs: Database[] = [];
for (const [file, n] of [
  ["registry.db", 12],
  ["series.db", 3],
  ["audit.db", 1],
  ["mqtt-state.db", 1],
] as const) {
  for (let i = 0; i < n; i++) {
    const db = new Database(join(dataDir, file), { create: true });
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000");
    db.exec(`CREATE TABLE IF NOT EXISTS t${i} (id TEXT PRIMARY KEY, v BLOB)`);
    db.query(`SELECT count(*) FROM t${i}`).get();
    dbs.push(db);
  }
}
answering = true;
for (const s of waiting) s.write(CONNACK);
waiting.clear();

if (every) {
  Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
  Bun.serve({ hostname: "127.0.0.1", port: 0, tls, fetch: () => new Response("ok") });
  const http2 = await import("node:http2");
  const h2 = http2.createSecureServer({ ...tls, allowHTTP1: false });
  h2.on("stream", (stream: ServerHttp2Stream) => stream.respond({ ":status": 200 }));
  await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
  const dgram = await import("node:dgram");
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  Bun.listen({ hostname: "127.0.0.1", port: 0, tls, socket: { data() {} } });
}
Bun.gc(true);
process.stdout.write(`${JSON.stringify({ event: "ready", dbs: dbs.length })}\n`);
