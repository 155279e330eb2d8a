// Replication to a real PostgreSQL (Debian's package, started here, stopped by PID):
// 100,000 rows written over HTTP and MQTT reach the central table exactly once through an
// outage of the database and two kill -9 of neo (one while rows waited for the database,
// one while they were being sent); channel SenML keeps its fields; `neo export status`,
// /metrics and $SYS say what waits.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, run, type Server, startServer, tempDir } from "./harness.ts";
import { needPostgres, type Postgres, startPostgres } from "./postgres.ts";

const T0 = 1_700_000_000_000_000_000n;
/** rows [from, to) as CSV: 10 names, a unique time each */
const csv = (from: number, to: number) => {
  let out = "";
  for (let i = from; i < to; i++) out += `s${i % 10},${T0 + BigInt(i) * 1000n},${i}\n`;
  return out;
};

describe.skipIf(needPostgres.skip)("Export to PostgreSQL", () => {
  let pg: Postgres;
  let srv: Server;
  let data: string;
  let conf: string;
  const start = async () => {
    srv = await startServer(["--config", conf], { data });
  };
  const write = async (from: number, to: number) => {
    for (let i = from; i < to; i += 5000) {
      const r = await fetch(`${srv.httpUrl}/db/write/SENSORS`, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body: csv(i, Math.min(to, i + 5000)),
      });
      expect(r.status).toBe(200);
    }
  };
  const inPg = async () => Number((await pg.sql()`SELECT count(*) AS n FROM sensors`)[0].n);

  beforeAll(async () => {
    needPostgres.check();
    pg = await startPostgres();
    data = tempDir("neo-export-");
    conf = join(tempDir("neo-export-conf-"), "neo.conf");
    writeFileSync(
      conf,
      `Export "central" {\n  Postgres = "${pg.url}"\n  Tables = ["SENSORS", "PLANT", "MQ"]\n  Gateway = "gw-1"\n  Batch = 2000\n}\n`,
    );
    await start();
  }, 60_000);
  afterAll(async () => {
    await srv?.stop("SIGKILL");
    await pg?.destroy();
    if (data) cleanup(data);
  });

  test("rows written while the database is up arrive, with the gateway's id, in a table made for them", async () => {
    await write(0, 40_000);
    await eventually(async () => (await inPg()) === 40_000, 30_000);
    expect(await inPg()).toBe(40_000);
    const [row] = await pg.sql()`SELECT gateway, name, time::text AS time, value FROM sensors ORDER BY time LIMIT 1`;
    expect(row).toEqual({ gateway: "gw-1", name: "s0", time: String(T0), value: 0 });
  }, 60_000);

  test("a QoS 1 db/write over MQTT (mosquitto_pub) arrives too", async () => {
    const r = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-q",
      "1",
      "-t",
      "db/write/MQ",
      "-m",
      '[["mq.a",1700000000000000000,1.25]]',
    ]);
    expect(r.code).toBe(0);
    // $SYS says how the export is doing (retained, refreshed every 10 s)
    const sys = await run(
      [
        "mosquitto_sub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-t",
        "$SYS/neo/export/central/#",
        "-v",
        "-C",
        "7",
        "-W",
        "15",
      ],
      { timeoutMs: 20_000 },
    );
    expect(sys.stdout).toContain("$SYS/neo/export/central/connected");
    expect(sys.stdout).toContain("$SYS/neo/export/central/queued/entries");
    const mq = () => pg.sql()`SELECT name, value FROM mq`.then((x) => [...x]).catch(() => []);
    await eventually(async () => (await mq()).length === 1, 20_000);
    expect(await mq()).toEqual([{ name: "mq.a", value: 1.25 }]);
  }, 30_000);

  test("through a database outage and a kill -9 with rows waiting: nothing lost", async () => {
    await pg.stop();
    await write(40_000, 70_000);
    const st = await neo(["export", "status", "--json", "--data", data, "--config", conf]);
    const s = JSON.parse(st.stdout)[0];
    expect(s).toMatchObject({ name: "central", running: true });
    expect(s.queuedEntries).toBeGreaterThan(0);
    // the console's Overview says the same
    const password = readFileSync(join(data, "web-admin-password"), "utf8").trim();
    const login = await fetch(`${srv.httpUrl}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password }),
    });
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const ov = await fetch(`${srv.httpUrl}/web/api/console/overview`, {
      headers: { authorization: `Bearer ${session}` },
    });
    const exp = (
      (await ov.json()) as { data: { exports: { name: string; connected: boolean; queuedEntries: number }[] } }
    ).data.exports;
    expect(exp).toMatchObject([{ name: "central", connected: false }]);
    expect(exp[0]?.queuedEntries).toBeGreaterThan(0);
    const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/neo_export_connected\{export="central"\} 0/);
    expect(metrics).toMatch(/neo_export_queued_entries\{export="central"\} [1-9]/);
    await srv.stop("SIGKILL");
    await start();
    await write(70_000, 85_000);
    await pg.start();
    await eventually(async () => (await inPg()) === 85_000, 60_000);
    expect(await inPg()).toBe(85_000);
  }, 120_000);

  test("a kill -9 while rows are being sent: each row once", async () => {
    await write(85_000, 100_000);
    await srv.stop("SIGKILL"); // some of these are in PostgreSQL, some not, some maybe sent twice
    await start();
    await eventually(async () => (await inPg()) === 100_000, 60_000);
    expect(await inPg()).toBe(100_000);
    const [d] = await pg.sql()`SELECT count(DISTINCT (name, time)) AS n, sum(value) AS v FROM sensors`;
    expect(Number(d.n)).toBe(100_000);
    expect(Number(d.v)).toBe((99_999 * 100_000) / 2);
    await eventually(async () => {
      const r = await run(["curl", "-s", `${srv.httpUrl}/metrics`]);
      return (
        /neo_export_queued_entries\{export="central"\} 0/.test(r.stdout) &&
        /neo_export_connected\{export="central"\} 1/.test(r.stdout)
      );
    }, 10_000);
  }, 120_000);

  test("a channel's SenML records keep their fields: unit, vs, publisher, subtopic, protocol", async () => {
    expect((await neo(["shell", "channel", "create", "plant", "--data", data])).code).toBe(0);
    const m1 = await genKey(data, "m1");
    expect((await neo(["shell", "channel", "connect", "plant", "m1", "--publish", "--data", data])).code).toBe(0);
    const r = await fetch(`${srv.httpUrl}/http/channels/plant/messages/hall`, {
      method: "POST",
      headers: { "content-type": "application/senml+json", authorization: `Thing ${m1.token}` },
      body: '[{"bn":"m1:","bt":1700000000,"n":"temp","u":"Cel","v":21.5},{"n":"state","vs":"running"}]',
    });
    expect(r.status).toBe(202);
    const plant = () =>
      pg.sql()`SELECT name, unit, value, string_value, channel, publisher, subtopic, protocol FROM plant ORDER BY name`;
    await eventually(async () => (await plant()).length === 2, 20_000);
    const common = { channel: "plant", publisher: "m1", subtopic: "hall", protocol: "http" };
    expect([...(await plant())]).toEqual([
      { name: "m1:state", unit: null, value: null, string_value: "running", ...common },
      { name: "m1:temp", unit: "Cel", value: 21.5, string_value: null, ...common },
    ]);
  }, 60_000);

  test("a SIGHUP that changes one export restarts only that one", async () => {
    const block = (name: string, tables: string, batch: number) =>
      `Export "${name}" {\n  Postgres = "${pg.url}"\n  Tables = [${tables}]\n  Gateway = "gw-1"\n  Batch = ${batch}\n}\n`;
    const central = block("central", '"SENSORS", "PLANT", "MQ"', 2000); // as the file had it
    writeFileSync(conf, central + block("lab", '"LAB"', 100));
    process.kill(srv.proc.pid, "SIGHUP");
    await srv.waitForLog(/export "lab": LAB to/, 10_000);
    writeFileSync(conf, central + block("lab", '"LAB"', 200));
    process.kill(srv.proc.pid, "SIGHUP");
    await srv.waitForLog(/export "lab": settings changed, restarting/, 10_000);
    expect(srv.logs()).not.toMatch(/export "central": (settings changed|removed)/);
    const r = await fetch(`${srv.httpUrl}/db/write/LAB`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "x,1,1\n",
    });
    expect(r.status).toBe(200);
    // the table is made with the export's first send
    const lab = () => pg.sql()`SELECT count(*) AS n FROM lab`.then((r) => Number(r[0].n)).catch(() => 0);
    await eventually(async () => (await lab()) === 1, 20_000);
  }, 60_000);
});
