// Acknowledged means stored, with no exception: while another process holds series.db's
// write lock past Storage.BusyTimeout (a real SQLITE_BUSY on the write path), a v5
// publisher gets a failure PUBACK and a v3.1.1 publisher is disconnected before its
// PUBACK; every message that was acknowledged is a stored row, and after the lock is gone
// the resent messages are stored too.
import { expect, test } from "bun:test";
import { join } from "node:path";
import type mqttPacket from "mqtt-packet";
import { eventually } from "./harness.ts";
import { pubCode, rawClient } from "./mqtt-clients.ts";
import { withGateway } from "./fixture.ts";

/** a process that takes series.db's write lock (BEGIN EXCLUSIVE) and keeps it until told */
function lockStore(file: string) {
  const script = `
    import { Database } from "bun:sqlite";
    const db = new Database(${JSON.stringify(file)});
    db.exec("PRAGMA busy_timeout=10000; BEGIN EXCLUSIVE");
    console.log("locked");
    for await (const _ of console) break;
    db.exec("COMMIT");
    db.close();
    console.log("released");
  `;
  const proc = Bun.spawn([process.execPath, "-e", script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const next = async (want: string) => {
    const { value } = await lines.read();
    if (!value?.includes(want)) throw new Error(`locker said ${value}`);
  };
  return {
    proc,
    locked: next("locked"),
    async release() {
      proc.stdin.write("go\n");
      proc.stdin.flush();
      await next("released");
      await proc.exited;
    },
  };
}

/** v3.1.1 over a raw socket: each message until PUBACK, reconnecting (and resending) after a disconnect */
async function v3Publisher(port: number, token: string) {
  let c = rawClient(port, 4);
  let disconnects = 0;
  const connect = async () => {
    c = rawClient(port, 4);
    await c.ready;
    c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "v3pub", clean: true, username: token });
    await eventually(() => c.packets.some((p) => p.cmd === "connack"));
  };
  await connect();
  let id = 1;
  return {
    disconnects: () => disconnects,
    /** resolves true on PUBACK, false when the connection closed first (then reconnected) */
    async publish(payload: string): Promise<boolean> {
      const messageId = id++ % 65535 || 1;
      c.send({ cmd: "publish", topic: "db/write/ACKS", qos: 1, messageId, payload, retain: false, dup: false });
      const acked = await eventually(() =>
        c.packets.some((p) => p.cmd === "puback" && (p as mqttPacket.IPubackPacket).messageId === messageId)
          ? "ack"
          : c.closedAfter() > 0
            ? "closed"
            : undefined,
      );
      if (acked === "ack") return true;
      disconnects++;
      await connect();
      return false;
    },
    end: () => c.s.destroy(),
  };
}

test("a storage error (SQLITE_BUSY past Storage.BusyTimeout) is never acknowledged; every ack is a stored row", async () => {
  await withGateway(
    { args: ["--mqtt-enable-token-auth", "true"], keys: ["pub"], config: 'Storage { BusyTimeout = "150ms" }\n' },
    async (gw) => {
      const v5 = await gw.conn({ protocolVersion: 5, clientId: "v5pub" });
      const v3 = await v3Publisher(gw.srv.mqttPort, gw.key.token);
      const acked: string[] = [];
      const failed5: number[] = [];
      let v3Fails = 0;
      const row = (n: string) => JSON.stringify([[n, Date.now() * 1e6, 1]]);
      const round = async (i: number) => {
        const [code, ok3] = await Promise.all([
          pubCode(v5, "db/write/ACKS", row(`v5-${i}`)),
          v3.publish(row(`v3-${i}`)),
        ]);
        if (code === 0) acked.push(`v5-${i}`);
        else failed5.push(code);
        if (ok3) acked.push(`v3-${i}`);
        else v3Fails++;
        return { code, ok3 };
      };
      let i = 0;
      for (; i < 5; i++) await round(i);
      const lock = lockStore(join(gw.srv.data, "series.db"));
      await lock.locked;
      try {
        // while the lock is held: each publisher sees at least two refusals
        while (failed5.length < 2 || v3Fails < 2) await round(i++);
      } finally {
        await lock.release();
      }
      for (const end = i + 5; i < end; i++) await round(i);
      v3.end();
      await v5.endAsync();
      // v5: the failure was Unspecified error (0x80); v3.1.1: a disconnect per refused message
      expect(new Set(failed5)).toEqual(new Set([0x80]));
      expect(v3.disconnects()).toBe(v3Fails);
      const r = await gw.query("select NAME from ACKS");
      expect(r.status).toBe(200);
      const stored = new Set(r.body.data.rows.map((x) => x[0] as string));
      const lost = acked.filter((n) => !stored.has(n));
      expect(lost).toEqual([]);
      // nothing refused was stored either: the stored rows are exactly the acknowledged ones
      expect(stored.size).toBe(acked.length);
      expect(gw.srv.logs()).toMatch(/storing db\/write\/ACKS from pub failed: .*(busy|locked)/i);
    },
  );
}, 60_000);
