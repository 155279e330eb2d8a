// The gRPC generator process of bench/grpc.ts: a machbase-neo client on @grpc/grpc-js over
// mutual TLS with a `neo shell key gen` key. Prints one JSON line.
//   append <addr> <ca> <cert> <key> <table> <streams> <durationMs> <recordsPerMsg>
//     Appender + Append client streams; every AppendData is encoded before the clock starts
//     (as the MQTT generator pre-builds its payloads), rows/s = rows AppendDone acknowledged
//     per second until the last AppendDone.
//   first <addr> <ca> <cert> <key>
//     one Ping on a fresh connection, then a second: what a client's first call costs.
//   query <addr> <ca> <cert> <key> <sql> <repeat>
//     Query + Columns + RowsFetch until hasNoRows + RowsClose, `repeat` times: ms per query.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import protobuf from "protobufjs";

const [cmd, addr = "", ca = "", cert = "", key = "", ...rest] = process.argv.slice(2);
const protoDir = join(import.meta.dir, "../src/grpc/proto");
const opts = { keepCase: true, longs: String, defaults: true, oneofs: true };
const def = loader.loadSync(join(protoDir, "machrpc.proto"), opts);
type Reply = Record<string, unknown> & { success: boolean; reason: string };
type Unary = (req: object, cb: (e: Error | null, r: Reply) => void) => void;
const pkg = grpc.loadPackageDefinition(def) as unknown as {
  machrpc: {
    Machbase: new (
      addr: string,
      creds: grpc.ChannelCredentials,
      options?: object,
    ) => grpc.Client & Record<string, Unary>;
  };
};
const creds = grpc.credentials.createSsl(readFileSync(ca), readFileSync(key), readFileSync(cert));
// Bun's TLS refuses an IP address as the server name: verify the server certificate's "localhost" SAN
const db = new pkg.machrpc.Machbase(addr, creds, { "grpc.ssl_target_name_override": "localhost" });
const call = (m: string, req: object) =>
  new Promise<Reply>((res, rej) => db[m]!.call(db, req, (e: Error | null, r: Reply) => (e ? rej(e) : res(r))));

async function append(table: string, streams: number, durationMs: number, perMsg: number) {
  const root = new protobuf.Root();
  root.addJSON(protobuf.common.get("google/protobuf/any.proto")?.nested ?? {});
  protobuf.parse(readFileSync(join(protoDir, "machrpc.proto"), "utf8"), root, { keepCase: true });
  const AppendData = root.lookupType("machrpc.AppendData");
  const conn = await call("Conn", { user: "", password: "" });
  // enough distinct messages for the run at well over the expected rate, encoded now
  const msgs = Math.ceil(((durationMs / 1000) * 400_000) / perMsg / streams) + 10;
  let ts = BigInt(Date.now()) * 1_000_000n;
  const lanes = await Promise.all(
    Array.from({ length: streams }, async () => {
      const ap = await call("Appender", { conn: conn.conn, tableName: table });
      if (!ap.success) throw new Error(ap.reason);
      const encoded: Uint8Array[] = [];
      for (let m = 0; m < msgs; m++) {
        const records = [];
        for (let r = 0; r < perMsg; r++) {
          ts += 1000n;
          records.push({ tuple: [{ v_string: `bench.s${r & 7}` }, { v_time: ts.toString() }, { v_double: r * 0.25 }] });
        }
        encoded.push(AppendData.encode(AppendData.fromObject({ handle: ap.handle, records })).finish());
      }
      return encoded;
    }),
  );
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const done = await Promise.all(
    lanes.map(
      (encoded) =>
        new Promise<{ rows: number; at: number }>((resolve, reject) => {
          const s = db.makeClientStreamRequest(
            "/machrpc.Machbase/Append",
            (b: Uint8Array) => Buffer.from(b),
            (b: Buffer) => b,
            (e: grpc.ServiceError | null, r?: Buffer) => {
              if (e || !r) return reject(e ?? new Error("no AppendDone"));
              const o = root.lookupType("machrpc.AppendDone").decode(r) as unknown as { successCount: unknown };
              resolve({ rows: Number(o.successCount), at: performance.now() });
            },
          );
          let i = 0;
          const pump = () => {
            while (i < encoded.length && performance.now() - t0 < durationMs) {
              if (!s.write(encoded[i++] as Uint8Array)) return void s.once("drain", pump);
            }
            s.end();
          };
          pump();
        }),
    ),
  );
  const rows = done.reduce((a, d) => a + d.rows, 0);
  const last = Math.max(...done.map((d) => d.at));
  const used = process.cpuUsage(cpu0);
  const wall = (last - t0) / 1000;
  // CPU of this generator over the measured window, in cores (>= 0.9: the client may be the limit)
  const genCores = (used.user + used.system) / 1e6 / wall;
  return { rows, seconds: wall, rate: rows / wall, streams, perMsg, genCores };
}

async function query(sql: string, repeat: number) {
  const conn = await call("Conn", { user: "", password: "" });
  const times: number[] = [];
  let rows = 0;
  for (let k = 0; k < repeat; k++) {
    const t = performance.now();
    const q = await call("Query", { conn: conn.conn, sql });
    if (!q.success) throw new Error(q.reason);
    await call("Columns", q.rowsHandle as object);
    rows = 0;
    for (;;) {
      const f = await call("RowsFetch", q.rowsHandle as object);
      if (f.hasNoRows) break;
      rows++;
    }
    await call("RowsClose", q.rowsHandle as object);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { rows, medianMs: times[Math.floor(times.length / 2)], minMs: times[0], repeat };
}

/** a fresh client's first Ping (TCP, TLS, HTTP/2, the call) and its second one, in ms */
async function first() {
  const t = performance.now();
  await call("Ping", { token: "1" });
  const firstMs = performance.now() - t;
  const t2 = performance.now();
  await call("Ping", { token: "2" });
  return { firstMs, secondMs: performance.now() - t2 };
}

/** `n` Ping calls one after the other: the cost of one call without work */
async function ping(n: number) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await call("Ping", { token: String(i) });
  const ms = performance.now() - t;
  return { calls: n, perCallUs: (ms * 1000) / n };
}

try {
  const r =
    cmd === "append"
      ? await append(rest[0] ?? "G", Number(rest[1] ?? 2), Number(rest[2] ?? 5000), Number(rest[3] ?? 500))
      : cmd === "ping"
        ? await ping(Number(rest[0] ?? 1000))
        : cmd === "first"
          ? await first()
          : await query(rest[0] ?? "select 1", Number(rest[1] ?? 3));
  console.log(JSON.stringify({ ok: true, ...r }));
  process.exit(0);
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e) }));
  process.exit(1);
}
