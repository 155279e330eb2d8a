// A full disk is an answer, not a crash: on a real 30 MB tmpfs the gateway refuses writes
// with 507 / PUBACK 0x97 / a v3.1.1 disconnect before the PUBACK, keeps what it stored,
// says so in /health and once a minute in the log, and recovers when space returns.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { eventually, neo, run, type Server, startServer } from "./harness.ts";
import { requires } from "./requires.ts";

const mnt = mkdtempSync(join(tmpdir(), "neo-tmpfs-"));
/** a real 30 MB file system to fill: mounting one needs root (CI runs as root) */
function mountTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", mnt]);
  return r.exitCode === 0 ? undefined : r.stderr.toString().trim() || `mount exited ${r.exitCode}`;
}
const cannotMount = mountTmpfs();
const mounted = cannotMount === undefined;
const tmpfs = requires("a 30 MB tmpfs", cannotMount, "run the tests as root, as CI does");
beforeAll(() => tmpfs.check());
afterAll(async () => {
  if (mounted) await run(["umount", "-l", mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const filler = () => join(mnt, "filler");
/** fill the file system until only `leave` bytes are free (0: until ENOSPC) */
function fill(leave: number): void {
  const fd = openSync(filler(), "a");
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) {
      const fs = statfsSync(mnt);
      const free = Number(fs.bavail) * Number(fs.bsize) - leave;
      if (free <= 0) break;
      writeSync(fd, chunk, 0, Math.min(chunk.length, free));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

const rows = (n: number, from: number) =>
  JSON.stringify({
    data: {
      columns: ["NAME", "TIME", "VALUE"],
      rows: Array.from({ length: n }, (_, i) => [`full.s${i % 20}`, 1700000000000000000 + (from + i) * 1000, i / 10]),
    },
  });

async function write(srv: Server, body: string) {
  const r = await fetch(`${srv.httpUrl}/db/write/FULLT`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: r.status, body: (await r.json()) as { success: boolean; reason: string } };
}
async function count(srv: Server): Promise<number> {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from FULLT")}`);
  return Number(((await r.json()) as { data: { rows: unknown[][] } }).data.rows[0]![0]);
}
const health = async (srv: Server) =>
  ((await (await fetch(`${srv.httpUrl}/health`)).json()) as { storage: { state: string; reason?: string } }).storage;

describe.skipIf(tmpfs.skip)("a full disk", () => {
  test("is a 507 / 0x97 / v3.1.1 disconnect, nothing stored is lost, and the gateway recovers", async () => {
    const data = join(mnt, "data");
    mkdirSync(data);
    const srv = await startServer([], { data });
    const clients: mqtt.MqttClient[] = [];
    try {
      expect((await write(srv, rows(2000, 0))).status).toBe(200);
      expect((await health(srv)).state).toBe("ok");

      fill(2 * 1024 * 1024); // below the 10 % neo keeps free
      const refused = await eventually(async () => {
        const r = await write(srv, rows(10, 5000));
        return r.status === 507 ? r : undefined;
      });
      expect(refused.body.success).toBe(false);
      const stored = await count(srv); // 2000, or 2010 if a write got in before the disk was measured again
      expect(refused.body.reason).toMatch(/^storage full: .* free of .* neo keeps 10% free/);
      const h = await health(srv);
      expect(h.state).toBe("full");
      expect(h.reason).toStartWith("storage full: ");
      await srv.waitForLog(/WARN .*storage full: .*refusing writes/);

      // MQTT v5: PUBACK 0x97 (quota exceeded)
      const v5 = mqtt.connect({ host: srv.mqttHost, port: srv.mqttPort, protocolVersion: 5, reconnectPeriod: 0 });
      clients.push(v5);
      await new Promise((r) => v5.once("connect", r));
      // mqtt.js reports a PUBACK reason >= 0x80 as an error whose code is the reason
      const rc = await new Promise<number>((resolve) =>
        v5.publish("db/write/FULLT", rows(5, 6000), { qos: 1 }, (err, pkt) =>
          resolve(
            err ? Number((err as { code?: number }).code) : Number((pkt as { reasonCode?: number })?.reasonCode ?? 0),
          ),
        ),
      );
      expect(rc).toBe(0x97);

      // MQTT v3.1.1: disconnected before the PUBACK; after space returns it resends and is stored
      const v3 = mqtt.connect({
        host: srv.mqttHost,
        port: srv.mqttPort,
        protocolVersion: 4,
        clientId: "full-v3",
        clean: false,
        reconnectPeriod: 200,
      });
      clients.push(v3);
      await new Promise((r) => v3.once("connect", r));
      let closed = 0;
      v3.on("close", () => closed++);
      const acked = new Promise<void>((resolve) =>
        v3.publish("db/write/FULLT", rows(7, 7000), { qos: 1 }, () => resolve()),
      );
      await eventually(() => closed > 0);

      // everything stored before the disk filled is still there
      expect(await count(srv)).toBe(stored);
      expect(stored).toBeGreaterThanOrEqual(2000);

      rmSync(filler());
      await eventually(async () => (await health(srv)).state === "ok");
      await acked; // the resend after reconnecting got its PUBACK
      expect((await write(srv, rows(10, 5000))).status).toBe(200);
      await eventually(async () => (await count(srv)) === stored + 17);
    } finally {
      for (const c of clients) c.end(true);
      expect(await srv.stop()).toBe(0);
    }
    const db = new Database(join(data, "series.db"), { readonly: true });
    expect(db.query("pragma integrity_check").values()).toEqual([["ok"]]);
    db.close();
    expect(srv.logs()).not.toMatch(/ERROR/);
    rmSync(data, { recursive: true, force: true });
  }, 60000);

  test("a disk that fills up under SQLite (SQLITE_FULL) is a 507 too, and `key gen` says why it cannot write", async () => {
    const data = join(mnt, "data2");
    mkdirSync(data);
    // a MaxSize above the disk's size: only the disk itself stops the writes
    const conf = join(mnt, "neo.conf");
    await Bun.write(conf, 'Storage { MaxSize = "1GB" }\n');
    const srv = await startServer([], { data, env: { NEO_CONFIG: conf } });
    try {
      expect((await write(srv, rows(1000, 0))).status).toBe(200);
      fill(0);
      const refused = await eventually(async () => {
        const r = await write(srv, rows(20000, 10000));
        return r.status === 507 ? r : undefined;
      });
      expect(refused.body.reason).toMatch(/^storage full: the disk is full/);
      expect(await count(srv)).toBeGreaterThanOrEqual(1000);

      const gen = await neo(["shell", "key", "gen", "fullkey", "--data", data, "--output", join(mnt, "fullkey")]);
      expect(gen.code).not.toBe(0);
      expect(gen.stderr).toMatch(/^neo: cannot write to the data directory: the disk is full/);
      const list = await neo(["shell", "key", "list", "--data", data]);
      expect(list.code).toBe(0);

      rmSync(filler());
      await eventually(async () => (await write(srv, rows(10, 50000))).status === 200, 15000);
    } finally {
      expect(await srv.stop()).toBe(0);
    }
    expect(srv.logs()).not.toMatch(/ERROR/);
  }, 60000);

  test("with no server running, `key list`, `key scope list` and `channel list` answer on a full disk and `key gen` says the disk is full", async () => {
    const data = join(mnt, "data3");
    mkdirSync(data);
    const gen = (id: string) => neo(["shell", "key", "gen", id, "--data", data, "--output", join(data, id)]);
    try {
      expect((await gen("before")).code).toBe(0);
      fill(0);
      const list = await neo(["shell", "key", "list", "--format", "json", "--data", data]);
      expect(list.stderr).toBe("");
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout).map((k: { id: string }) => k.id)).toEqual(["before"]);
      const scopes = await neo(["shell", "key", "scope", "list", "before", "--data", data]);
      expect(scopes.code).toBe(0);
      expect(scopes.stdout).toMatch(/^tables:read:\*$/m);
      expect((await neo(["shell", "channel", "list", "--data", data])).code).toBe(0);

      const refused = await gen("after");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^neo: cannot write to the data directory: the disk is full \(no space left on device/,
      );
      rmSync(filler());
      expect((await gen("after")).code).toBe(0);
    } finally {
      rmSync(filler(), { force: true });
    }
  }, 60000);
});
