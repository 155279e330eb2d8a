// Acknowledged means stored, with no exception: while another process holds series.db's
// write lock past Storage.BusyTimeout (a real SQLITE_BUSY on the write path), a v5
// publisher gets a failure PUBACK and a v3.1.1 publisher is disconnected before its
// PUBACK; every message that was acknowledged is a stored row, and after the lock is gone
// the resent messages are stored too. The same with real I/O errors: the data directory
// on a file system on a loop device whose backing file sits on a tmpfs we fill (its
// writes, and so SQLite's fsync, fail while the upper file system still has room).
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type mqttPacket from "mqtt-packet";
import { eventually, run, type Server, startServer } from "./harness.ts";
import { requires } from "./requires.ts";
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
    c.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clientId: "v3pub",
      clean: true,
      ...(token ? { username: token } : {}),
    });
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

// --- real I/O errors: ext4 (no journal) on a loop device backed by a sparse file on a tmpfs
const back = mkdtempSync(join(tmpdir(), "neo-io-back-"));
const mnt = mkdtempSync(join(tmpdir(), "neo-io-mnt-"));
let loop = "";
function setUpDevice(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  const sh = (cmd: string[]) => {
    const r = Bun.spawnSync(cmd);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString().trim()}`);
    return r.stdout.toString().trim();
  };
  try {
    sh(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", back]);
    sh(["truncate", "-s", "64M", join(back, "disk.img")]);
    loop = sh(["losetup", "-f", "--show", join(back, "disk.img")]);
    sh(["mkfs.ext4", "-q", "-O", "^has_journal", loop]);
    sh(["mount", "-o", "errors=continue", loop, mnt]);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
const cannot = setUpDevice();
const device = requires("a loop device on a tmpfs", cannot, "run the tests as root with loop devices, as CI does");
afterAll(async () => {
  await run(["umount", "-l", mnt]);
  if (loop) await run(["losetup", "-d", loop]);
  await run(["umount", "-l", back]);
  rmSync(mnt, { recursive: true, force: true });
  rmSync(back, { recursive: true, force: true });
});

/** fill the tmpfs under the loop device: its writes fail from now on */
function starveDevice(): void {
  const fd = openSync(join(back, "filler"), "a");
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

async function storedNames(srv: Server): Promise<Set<string>> {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select NAME from ACKS")}`);
  const body = (await r.json()) as { data: { rows: unknown[][] } };
  return new Set(body.data.rows.map((x) => x[0] as string));
}

test.skipIf(device.skip)(
  "I/O errors on the write path (fsync fails under SQLite) are never acknowledged; acks are rows, also after a restart",
  async () => {
    device.check();
    const data = join(mnt, "data");
    let srv = await startServer([], { data });
    try {
      const v5 = await (await import("mqtt")).default.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
        protocolVersion: 5,
        clientId: "v5io",
        reconnectPeriod: 0,
      });
      const v3 = await v3Publisher(srv.mqttPort, "");
      const acked: string[] = [];
      let fail5 = 0;
      let fail3 = 0;
      const row = (n: string) => JSON.stringify([[n, Date.now() * 1e6, 1]]);
      const round = async (i: number) => {
        const [code, ok3] = await Promise.all([
          pubCode(v5, "db/write/ACKS", row(`v5-${i}`)),
          v3.publish(row(`v3-${i}`)),
        ]);
        if (code === 0) acked.push(`v5-${i}`);
        else fail5++;
        if (ok3) acked.push(`v3-${i}`);
        else fail3++;
      };
      let i = 0;
      for (; i < 5; i++) await round(i);
      starveDevice();
      try {
        while (fail5 < 2 || fail3 < 2) await round(i++);
      } finally {
        rmSync(join(back, "filler"), { force: true });
      }
      for (const end = i + 5; i < end; i++) await round(i);
      v3.end();
      await v5.endAsync();
      expect(srv.logs()).toMatch(/storing db\/write\/ACKS from v5io failed: .*(disk I\/O error|IOERR|no space)/i);
      const live = await storedNames(srv);
      expect(acked.filter((n) => !live.has(n))).toEqual([]);
      // and on disk: after a restart every acknowledged row is still there
      expect(await srv.stop()).toBe(0);
      srv = await startServer([], { data });
      const after = await storedNames(srv);
      expect(acked.filter((n) => !after.has(n))).toEqual([]);
    } finally {
      await srv.stop();
    }
  },
  90_000,
);
