// A 300,000-row /db/write is parsed off the event loop and committed in slices: /health
// keeps answering while it runs, and every row is there when the 200 arrives.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { cleanup, startServer, tempDir, type Server } from "./harness.ts";

describe("big writes", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    srv = await startServer([], { data: dir });
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(dir);
  });

  test("a 16 MB, 300,000-row JSON write does not hold up /health, and all rows are committed when it answers", async () => {
    const rows: string[] = [];
    for (let i = 0; i < 300_000; i++)
      rows.push(`["big.${i % 100}",${1675851592000000000n + BigInt(i) * 1000000n},${i}]`);
    const body = `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[${rows.join(",")}]}}`;
    let writing = true;
    let answeredDuring = 0;
    const probe = (async () => {
      while (writing) {
        const r = await fetch(`${srv.httpUrl}/health`);
        if (r.status === 200 && writing) answeredDuring++;
        await Bun.sleep(5);
      }
    })();
    const w = await fetch(`${srv.httpUrl}/db/write/BIGW`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    writing = false;
    await probe;
    expect(await w.json()).toMatchObject({ success: true, reason: "success, 300000 record(s) inserted" });
    expect(answeredDuring).toBeGreaterThan(10); // the base answered once, after the write
    const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*), max(value) from BIGW")}`);
    expect(((await q.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[300000, 299999]]);
  }, 60_000);

  test("a 900 KB CSV over db/write is parsed off the loop too, and its PUBACK follows the commit of every row", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 25_000; i++) lines.push(`mq.${i % 10},${1675851592000000000n + BigInt(i)},${i}`);
    const payload = lines.join("\n");
    expect(payload.length).toBeGreaterThan(256 * 1024);
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, { reconnectPeriod: 0 });
    await c.publishAsync("db/write/BIGM:csv", payload, { qos: 1 });
    await c.endAsync();
    const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from BIGM")}`);
    expect(((await q.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[25000]]);
  });
});
