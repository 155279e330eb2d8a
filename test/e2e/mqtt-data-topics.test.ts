// machbase-neo data topics over MQTT: db/write, db/append and db/query with suffixes,
// v5 properties, error replies and reply routing.
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { eventually } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";
import { connectCollect, pubCode } from "./mqtt-clients.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MQTT data topics", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01", "asker", "snooper"] });
  const { query, conn } = gw;

  test("data topic suffixes and v5 user properties (format, timeformat, compress, header, reply) all land rows", async () => {
    const c = await conn({ protocolVersion: 5 });
    const replies: [string, string][] = [];
    c.on("message", (t, p) => replies.push([t, p.toString()]));
    await c.subscribeAsync("qarep/#", { qos: 1 });
    const cases: [string, string | Buffer, Record<string, unknown>?][] = [
      ["db/write/QAMT:json", '["sfxjson", 1675851592000000000, 1]'],
      [
        "db/write/QAMT:ndjson",
        '{"NAME":"sfxnd","TIME":1675851592000000000,"VALUE":1}\n{"NAME":"sfxnd","TIME":1675851592000000001,"VALUE":2}',
      ],
      ["db/write/QAMT:csv:gzip", gzipSync("sfxcsvgz,1675851592000000000,1")],
      ["db/write/QAMT:ndjson:gzip", gzipSync('{"NAME":"sfxndgz","TIME":1675851592000000000,"VALUE":1}')],
      ["db/write/QAMT", "upcsv,1675851592000000000,1", { userProperties: { format: "csv", reply: "qarep/up" } }],
      ["db/write/QAMT", '["upts", 1675851592, 1]', { userProperties: { timeformat: "s" } }],
      ["db/write/QAMT", gzipSync('["upgz", 1675851592000000000, 1]'), { userProperties: { compress: "gzip" } }],
      ["db/write/QAMT", '["uprfc", "2023-02-08T10:19:52.5Z", 1]', { userProperties: { timeformat: "RFC3339" } }],
      ["db/write/QAMT:csv", "NAME,TIME,VALUE\nhdrskip,1675851592000000000,1", { userProperties: { header: "skip" } }],
      [
        "db/write/QAMT",
        '{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["field",1675851592000000000,1]]},"reply":"qarep/field"}',
      ],
      ["db/append/QAMT:csv", "appcsv,1675851592000000000,1\nappcsv,1675851592000000001,1"],
    ];
    for (const [topic, payload, properties] of cases)
      expect(await pubCode(c, topic, payload, properties ? { properties } : {})).toBe(0);
    await c.publishAsync("db/write/QAMT", '["q2", 1675851592000000000, 1]', { qos: 2 });
    const rows = (await query("select NAME, count(*), min(TIME) from QAMT group by NAME order by NAME")).body.data.rows;
    expect(rows).toEqual([
      ["appcsv", 2, 1675851592000000000],
      ["field", 1, 1675851592000000000],
      ["hdrskip", 1, 1675851592000000000],
      ["q2", 1, 1675851592000000000],
      ["sfxcsvgz", 1, 1675851592000000000],
      ["sfxjson", 1, 1675851592000000000],
      ["sfxnd", 2, 1675851592000000000],
      ["sfxndgz", 1, 1675851592000000000],
      ["upcsv", 1, 1675851592000000000],
      ["upgz", 1, 1675851592000000000],
      ["uprfc", 1, 1675851592500000000],
      ["upts", 1, 1675851592000000000],
    ]);
    await eventually(() => replies.length >= 2);
    expect(replies.map(([t]) => t).sort()).toEqual(["qarep/field", "qarep/up"]);
    for (const [, body] of replies)
      expect(JSON.parse(body)).toMatchObject({ success: true, reason: "success, 1 record(s) inserted" });
    await c.endAsync();
  });

  test("bad data-topic messages get PUBACK/PUBREC 0x99 and an error reply naming the problem; nothing is written", async () => {
    const c = await conn({ protocolVersion: 5 });
    const replies = new Map<string, string>();
    c.on("message", (t, p) => replies.set(t, p.toString()));
    await c.subscribeAsync("qabad/#", { qos: 1 });
    const cases: [string, string, string, number][] = [
      ["db/write/bad-table", '["x", 1, 1]', "invalid table name", 1],
      ["db/write/", '["x", 1, 1]', "missing table name", 1],
      ["db/write/QABAD:xml", '["x", 1, 1]', "unsupported topic suffix", 1],
      ["db/write/QABAD:json:gzip", "notgz", "gzip", 1],
      ["db/write/QABAD", "", "not valid JSON", 1],
      ["db/write/QABAD", "junk", "not valid JSON", 2],
    ];
    for (const [i, [topic, payload, reason, qos]] of cases.entries()) {
      expect(await pubCode(c, topic, payload, { qos, properties: { responseTopic: `qabad/${i}` } })).toBe(0x99);
      await eventually(() => replies.has(`qabad/${i}`));
      const r = JSON.parse(replies.get(`qabad/${i}`)!);
      expect(r.success).toBe(false);
      expect(r.reason).toContain(reason);
    }
    expect(c.connected).toBe(true);
    expect((await query("select count(*) from QABAD")).status).toBe(400);
    await c.endAsync();
  });

  test("db/query honours timeformat, refuses writes with 0x99 and a reason, and answers a v5 response topic", async () => {
    const c = await conn({ protocolVersion: 5 });
    const replies = new Map<string, string>();
    c.on("message", (t, p) => replies.set(t, p.toString()));
    await c.subscribeAsync("qaq/#", { qos: 1 });
    await c.publishAsync(
      "db/query",
      JSON.stringify({ q: "select TIME from QAMT where NAME = 'sfxjson'", timeformat: "RFC3339", reply: "qaq/tf" }),
      { qos: 1 },
    );
    expect(await pubCode(c, "db/query", JSON.stringify({ q: "delete from QAMT", reply: "qaq/del" }))).toBe(0x99);
    await c.publishAsync("db/query", JSON.stringify({ q: "select count(*) from QAMT" }), {
      qos: 1,
      properties: { responseTopic: "qaq/rt" },
    });
    await eventually(() => replies.size === 3);
    expect(JSON.parse(replies.get("qaq/tf")!).data.rows).toEqual([["2023-02-08T10:19:52Z"]]);
    expect(JSON.parse(replies.get("qaq/del")!)).toMatchObject({ success: false });
    expect(JSON.parse(replies.get("qaq/del")!).reason).toContain("read-only");
    expect(JSON.parse(replies.get("qaq/rt")!).data.rows).toEqual([[14]]);
    expect((await query("select count(*) from QAMT")).body.data.rows).toEqual([[14]]);
    await c.endAsync();
  });

  test("db/query answers on the default db/reply go only to the requester, not to every subscriber of db/reply", async () => {
    const snoop = connectCollect(gw.url, { username: gw.keys.snooper!.token });
    const ask = connectCollect(gw.url, { username: gw.keys.asker!.token });
    await Promise.all([snoop.ready, ask.ready]);
    await snoop.c.subscribeAsync("db/reply", { qos: 1 });
    await ask.c.subscribeAsync("db/reply", { qos: 1 });
    await ask.c.publishAsync("db/query", JSON.stringify({ q: "select 42 as ANSWER" }), { qos: 1 });
    await eventually(() => ask.got.length > 0);
    expect(JSON.parse(ask.got[0]!.payload).data.rows).toEqual([[42]]);
    // a round trip on the snooper's own connection: anything routed to it would be here by now
    await snoop.c.subscribeAsync("sync/x", { qos: 1 });
    await snoop.c.publishAsync("sync/x", "1", { qos: 1 });
    await eventually(() => snoop.got.some((m) => m.topic === "sync/x"));
    expect(snoop.got.filter((m) => m.topic === "db/reply")).toEqual([]);
    await Promise.all([snoop.c.endAsync(), ask.c.endAsync()]);
  });
});
