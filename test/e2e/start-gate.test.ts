// The start's gate (bench/RESULTS.md "Session 7: start, the gate"): series.db, the table
// finder and audit.db open after the waiting CONNECTs are answered. A client that connects the
// moment the MQTT listener accepts and sends a QoS 1 PUBLISH into a stored topic with its
// CONNECT gets its PUBACK only once the row is in series.db (read there at the PUBACK), and
// the row is then readable through the HTTP API; its CONNECT is in the audit trail. A db/query
// sent the same way into a fresh data dir is answered (its read opens the store first).
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import net from "node:net";
import { join } from "node:path";
import mqttPacket from "mqtt-packet";
import { type Server, startServer, tempDir } from "./harness.ts";

/** a port nothing listens on now (the OS's next free one) */
function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/** connects as soon as the port accepts (retrying refusals), then sends `bytes` at once */
async function connectEarly(port: number, bytes: Buffer, until: Promise<unknown>) {
  let done = false;
  void until.finally(() => (done = true));
  for (;;) {
    const s = net.connect(port, "127.0.0.1");
    const ok = await new Promise<boolean>((resolve) => {
      s.once("connect", () => resolve(true));
      s.once("error", () => resolve(false));
    });
    if (ok) {
      s.write(bytes);
      return s;
    }
    if (done) throw new Error("the server stopped before its MQTT listener accepted");
    await Bun.sleep(1);
  }
}

test("a QoS 1 PUBLISH sent with the first CONNECT at start is PUBACKed only once stored, then readable", async () => {
  const data = tempDir();
  const port = freePort();
  const starting = startServer(["--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", String(port)], {
    data,
    noPortFlags: true,
  });
  let srv: Server | undefined;
  try {
    const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 5 });
    const ts = Date.now() * 1_000_000;
    const bytes = Buffer.concat([
      gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "early", clean: true, keepalive: 30 }),
      gen({
        cmd: "publish",
        topic: "db/write/GATE",
        qos: 1,
        messageId: 7,
        payload: JSON.stringify([["early", ts, 1.5]]),
        retain: false,
        dup: false,
      }),
    ]);
    const s = await connectEarly(port, bytes, starting);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const stored = new Promise<{ reasonCode: number | undefined; rows: unknown[] }>((resolve, reject) => {
      parser.on("packet", (p) => {
        if (p.cmd !== "puback") return;
        // at the PUBACK the row is committed: another connection reads it from the file
        const db = new Database(join(data, "series.db"), { readonly: true });
        try {
          resolve({ reasonCode: p.reasonCode, rows: db.query("SELECT NAME, VALUE FROM GATE").all() });
        } finally {
          db.close();
        }
      });
      s.on("data", (d) => parser.parse(Buffer.from(d)));
      s.on("close", () => reject(new Error("closed before the PUBACK")));
    });
    const got = await stored;
    expect(got.reasonCode ?? 0).toBe(0);
    expect(got.rows).toEqual([{ NAME: "early", VALUE: 1.5 }]);
    s.destroy();
    srv = await starting;
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select NAME, VALUE from GATE")}`);
    const body = (await r.json()) as { data: { rows: unknown[][] } };
    expect(body.data.rows).toEqual([["early", 1.5]]);
    expect(await srv.stop()).toBe(0);
    // the CONNECT made before audit.db opened is in the trail
    const audit = new Database(join(data, "audit.db"), { readonly: true });
    try {
      const rows = audit.query("SELECT action, result, target FROM audit WHERE kind = 'auth'").all();
      expect(rows).toContainEqual({ action: "connect", result: "ok", target: "early" });
    } finally {
      audit.close();
    }
  } finally {
    await (srv ?? (await starting.catch(() => undefined)))?.stop();
  }
}, 30_000);

test("a db/query sent with the first CONNECT into a fresh data dir is answered", async () => {
  const port = freePort();
  const starting = startServer(["--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", String(port)], {
    data: tempDir(),
    noPortFlags: true,
  });
  try {
    const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 5 });
    const bytes = Buffer.concat([
      gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "asker", clean: true, keepalive: 30 }),
      gen({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "db/reply", qos: 0 }] }),
      gen({
        cmd: "publish",
        topic: "db/query",
        qos: 1,
        messageId: 2,
        payload: JSON.stringify({ q: "select 42 as ANSWER" }),
        retain: false,
        dup: false,
      }),
    ]);
    const s = await connectEarly(port, bytes, starting);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const reply = new Promise<string>((resolve, reject) => {
      parser.on("packet", (p) => {
        if (p.cmd === "publish" && p.topic === "db/reply") resolve(String(p.payload));
      });
      s.on("data", (d) => parser.parse(Buffer.from(d)));
      s.on("close", () => reject(new Error("closed before the reply")));
    });
    expect(JSON.parse(await reply).data.rows).toEqual([[42]]);
    s.destroy();
  } finally {
    await (await starting.catch(() => undefined))?.stop();
  }
}, 30_000);
