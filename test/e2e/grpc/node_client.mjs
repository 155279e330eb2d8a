// A machbase-neo gRPC client under Node with @grpc/grpc-js and @grpc/proto-loader, loading
// neo's .proto files at run time (as machbase-neo's JavaScript users do), mutual TLS with
// the files `neo shell key gen` writes. Prints one JSON line per event.
//   node node_client.mjs <addr> <ca> <cert> <key> append-hold <table>   (streams until the server ends it)
//   node node_client.mjs <addr> <ca> <cert> <key> query <sql>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";

const [addr, ca, cert, key, cmd, arg] = process.argv.slice(2);
const protoDir = join(import.meta.dirname, "../../../src/grpc/proto");
const def = loader.loadSync(join(protoDir, "machrpc.proto"), {
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: true,
});
const { machrpc } = grpc.loadPackageDefinition(def);
const creds = grpc.credentials.createSsl(readFileSync(ca), readFileSync(key), readFileSync(cert));
const db = new machrpc.Machbase(addr, creds);
const out = (o) => console.log(JSON.stringify(o));
const call = (m, req) => new Promise((res, rej) => db[m](req, (e, r) => (e ? rej(e) : res(r))));

try {
  const conn = await call("Conn", { user: "", password: "" });
  if (!conn.success) throw new Error(conn.reason);
  if (cmd === "append-hold") {
    const ap = await call("Appender", { conn: conn.conn, tableName: arg });
    if (!ap.success) throw new Error(ap.reason);
    let sent = 0;
    const stream = db.Append((e, done) => {
      clearInterval(timer);
      out(e ? { event: "ended", code: grpc.status[e.code], details: e.details, sent } : { event: "done", done });
      process.exit(0);
    });
    const batch = () => {
      const records = [];
      for (let i = 0; i < 100; i++, sent++)
        records.push({
          tuple: [
            { v_string: "hold" },
            { v_time: String(1_700_000_000_000_000_000n + BigInt(sent)) },
            { v_double: sent },
          ],
        });
      stream.write({ handle: ap.handle, records });
    };
    batch();
    out({ event: "open" });
    const timer = setInterval(batch, 20);
  } else if (cmd === "query") {
    const q = await call("Query", { conn: conn.conn, sql: arg });
    if (!q.success) throw new Error(q.reason);
    let n = 0;
    for (;;) {
      const f = await call("RowsFetch", q.rowsHandle);
      if (f.hasNoRows) break;
      n++;
    }
    out({ event: "rows", n });
    process.exit(0);
  }
} catch (e) {
  out({
    event: "error",
    code: e.code === undefined ? undefined : grpc.status[e.code],
    message: e.details ?? e.message,
  });
  process.exit(0);
}
