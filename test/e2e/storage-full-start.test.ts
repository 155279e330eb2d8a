// Start on a full disk: a gateway whose data directory's file system (a real 32 MB tmpfs)
// is at 100 % when it starts still starts (the reserve file gives SQLite room for its -shm
// files): MQTT routing and every read path work, writes are refused with 507 / PUBACK
// 0x97 as when the disk fills while running, /health says "full", and once space
// returns writes resume without a restart. An old-layout table waits with its migration
// (logged once) and is migrated once space returns.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { eventually, run, startServer } from "./harness.ts";
import { pubCode } from "./mqtt-clients.ts";
import { sensorRows, writeLegacySeries } from "../../src/storage/legacy-fixture.ts";
import { requires } from "./requires.ts";

const mnt = mkdtempSync(join(tmpdir(), "neo-fullstart-"));
function mountTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", mnt]);
  return r.exitCode === 0 ? undefined : r.stderr.toString().trim() || `mount exited ${r.exitCode}`;
}
const cannotMount = mountTmpfs();
const tmpfs = requires("a 32 MB tmpfs", cannotMount, "run the tests as root, as CI does");
beforeAll(() => tmpfs.check());
afterAll(async () => {
  if (cannotMount === undefined) await run(["umount", "-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

/** fill the file system to the last byte */
function fillUp(file: string): void {
  const fd = openSync(file, "a");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  // the last partial chunk
  const fd2 = openSync(file, "a");
  try {
    for (;;) writeSync(fd2, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(fd2);
  }
}

const health = async (url: string) =>
  (await (await fetch(`${url}/health`)).json()) as { storage: { state: string; reason?: string } };

test.skipIf(tmpfs.skip)(
  "a gateway started on a full disk routes MQTT, answers reads, refuses writes with 507 / 0x97 and resumes when space returns",
  async () => {
    const data = join(mnt, "data");
    // a data directory made while there was room, with a row in it
    let srv = await startServer([], { data });
    const w = await fetch(`${srv.httpUrl}/db/write/KEEP`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([["kept", 1_700_000_000_000_000_000, 7]]),
    });
    expect(w.status).toBe(200);
    expect(await srv.stop()).toBe(0);
    expect(existsSync(join(data, ".neo-reserve"))).toBe(true);
    const filler = join(mnt, "filler");
    fillUp(filler);

    srv = await startServer([], { data });
    try {
      expect(srv.logs()).toMatch(/file system is full: starting degraded/);
      expect((await health(srv.httpUrl)).storage.state).toBe("full");
      // reads
      const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select NAME, VALUE from KEEP")}`);
      expect(q.status).toBe(200);
      expect(((await q.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([["kept", 7]]);
      // MQTT routing needs no disk
      const url = `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
      const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      await sub.subscribeAsync("plant/#", { qos: 1 });
      const got = new Promise<string>((r) => sub.on("message", (_t, p) => r(p.toString())));
      const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
      expect(await pubCode(pub, "plant/line1", "hello")).toBe(0);
      expect(await got).toBe("hello");
      // writes: refused as when the disk fills while running
      const refused = await fetch(`${srv.httpUrl}/db/write/KEEP`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([["new", 1_700_000_000_000_000_001, 8]]),
      });
      expect(refused.status).toBe(507);
      expect(await pubCode(pub, "db/write/KEEP", JSON.stringify([["new", 1_700_000_000_000_000_002, 9]]))).toBe(0x97);
      // space returns: writes resume, no restart
      rmSync(filler);
      await eventually(async () => (await health(srv.httpUrl)).storage.state === "ok", 15_000);
      await eventually(
        async () =>
          (await pubCode(pub, "db/write/KEEP", JSON.stringify([["new", 1_700_000_000_000_000_003, 10]]))) === 0,
        15_000,
      );
      await sub.endAsync();
      await pub.endAsync();
    } finally {
      await srv.stop();
    }
  },
  60_000,
);

test.skipIf(tmpfs.skip)(
  "a full disk pauses the layout migration of an old table: the gateway starts, reads it, and migrates once space returns",
  async () => {
    const data = join(mnt, "old");
    // a data directory made while there was room, then an old-layout table in it
    const first = await startServer([], { data });
    expect(await first.stop()).toBe(0);
    writeLegacySeries(data, { OLDT: sensorRows(20_000, 10) });
    const filler = join(mnt, "filler-old");
    fillUp(filler);

    const srv = await startServer([], { data });
    try {
      expect(srv.logs()).toMatch(/file system is full: starting degraded/);
      await srv.waitForLog(/layout migration paused/, 15_000);
      const count = async () => {
        const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from OLDT")}`);
        expect(q.status).toBe(200);
        return ((await q.json()) as { data: { rows: unknown[][] } }).data.rows;
      };
      expect(await count()).toEqual([[20000]]);
      rmSync(filler);
      await srv.waitForLog(/migrated table OLDT: 20000 rows, verified/, 40_000);
      expect(srv.logs().match(/layout migration paused/g)?.length).toBe(1);
      expect(await count()).toEqual([[20000]]);
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  },
  90_000,
);
