// The floor under `neo serve`'s start (bench/micro/start-floor.ts compiles and runs this):
// what neo's start touches in Bun 1.4, with no neo code. In neo's order: the MQTT listeners
// (tcp; every: tls and ws too) accept at once, the SQLite connections neo keeps open are
// opened (WAL, a schema statement and a read each), the CONNECTs that waited are answered
// (CONNACK 0 to any CONNECT), then (every) Bun.serve over HTTP and HTTPS, a node:http2 TLS
// server (what grpc-js serves with), a UDP socket (CoAP) and a TLS listener (coaps+tcp); a
// full collection, then the ready line. "grpc" is "every" with the http2 server replaced by
// grpc-js (neo's gRPC library) serving machbase-neo's two services from protobufjs JSON
// (<data-dir>/protos.json, written by start-floor.ts), handlers that answer nothing.
//   start-floor-app <mqtt-port> <data-dir> <cert.pem> <key.pem> mqtt|every|grpc [one]
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import type { ServerHttp2Stream } from "node:http2";
import { join } from "node:path";

const [portText, dataDir, certFile, keyFile, set, connections] = process.argv.slice(2);
/** "one": one connection per file instead of neo's 17 */
const one = connections === "one";
if (!portText || !dataDir || !certFile || !keyFile || (set !== "mqtt" && set !== "every" && set !== "grpc"))
  throw new Error("usage: start-floor-app <mqtt-port> <data-dir> <cert.pem> <key.pem> mqtt|every|grpc");
const every = set !== "mqtt";
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
  for (let i = 0; i < (one ? 1 : n); i++) {
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
// as neo does: two short timer waits, in which the loop accepts and reads what waited
for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 1));

if (every) {
  Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
  Bun.serve({ hostname: "127.0.0.1", port: 0, tls, fetch: () => new Response("ok") });
  if (set === "grpc") await serveGrpc();
  else {
    const http2 = await import("node:http2");
    const h2 = http2.createSecureServer({ ...tls, allowHTTP1: false });
    h2.on("stream", (stream: ServerHttp2Stream) => stream.respond({ ":status": 200 }));
    await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
  }
  const dgram = await import("node:dgram");
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  Bun.listen({ hostname: "127.0.0.1", port: 0, tls, socket: { data() {} } });
}
Bun.gc(true);
process.stdout.write(`${JSON.stringify({ event: "ready", dbs: dbs.length })}\n`);

async function serveGrpc(): Promise<void> {
  const grpc = await import("@grpc/grpc-js");
  const { default: protobuf } = await import("protobufjs/light");
  const root = protobuf.Root.fromJSON(JSON.parse(readFileSync(join(dataDir ?? "", "protos.json"), "utf8")));
  root.resolveAll();
  const server = new grpc.Server();
  for (const name of ["machrpc.Machbase", "mgmt.Management"]) {
    const def: Record<string, import("@grpc/grpc-js").MethodDefinition<object, object>> = {};
    const impl: Record<string, () => void> = {};
    for (const m of root.lookupService(name).methodsArray) {
      const req = m.resolvedRequestType as InstanceType<typeof protobuf.Type>;
      const res = m.resolvedResponseType as InstanceType<typeof protobuf.Type>;
      const ser = (t: typeof req) => (o: object) => Buffer.from(t.encode(t.fromObject(o)).finish());
      const de = (t: typeof req) => (b: Buffer) => t.toObject(t.decode(b), { longs: String, defaults: true });
      def[m.name] = {
        path: `/${name}/${m.name}`,
        requestStream: !!m.requestStream,
        responseStream: !!m.responseStream,
        requestSerialize: ser(req),
        requestDeserialize: de(req),
        responseSerialize: ser(res),
        responseDeserialize: de(res),
      };
      impl[m.name] = () => {};
    }
    server.addService(def as import("@grpc/grpc-js").ServiceDefinition, impl);
  }
  const creds = grpc.ServerCredentials.createSsl(null, [
    { cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) },
  ]);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", creds, (e) => (e ? reject(e) : resolve())),
  );
}
