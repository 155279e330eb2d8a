// Issue 19, attack 2 against a real `neo serve`: one key cannot starve the query pool.
// A key without any tables:read scope runs no query at all (HTTP 403, MQTT 0x87); a key
// that may read runs 70 loops of an endless recursive CTE, and meanwhile another key's
// simple queries still answer 200; the flooding key itself is told 429 + Retry-After
// when its own share is full.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { genKey } from "./harness.ts";
import { pubCode } from "./mqtt-clients.ts";
import { type Gateway, openGateway, TOKEN_AUTH } from "./fixture.ts";

const ENDLESS = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c";
const LOOPS = 70;
const LEGIT_QUERIES = 100;

let gw: Gateway & { close(): Promise<void> };
let device: string;
let greedy: string;
beforeAll(async () => {
  gw = await openGateway({ args: TOKEN_AUTH, keys: ["good"], config: 'Query {\n  Timeout = "3s"\n  Workers = 2\n}\n' });
  device = (await genKey(gw.srv.data, "dev1", ["--scope", "topics:publish:devices/%c/#"])).token;
  greedy = (await genKey(gw.srv.data, "greedy", ["--scope", "tables:read:*", "--scope", "topics:publish:db/query"]))
    .token;
});
afterAll(() => gw.close());

const q = (sql: string) => `/db/query?q=${encodeURIComponent(sql)}`;

describe("fair queries", () => {
  test("a key with no tables:read scope runs no query, not even one that reads no table (HTTP 403, MQTT 0x87)", async () => {
    const r = await gw.http(q(ENDLESS), {}, device);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { reason: string }).reason).toContain("tables:read");
    const c = await gw.conn({ username: device, clientId: "dev1", protocolVersion: 5 });
    try {
      // MQTT.js reports a PUBACK reason code >= 0x80 as an error carrying the code
      const code = await new Promise<number>((resolve) =>
        c.publish("db/query", JSON.stringify({ q: "select 1" }), { qos: 1 }, (err) =>
          resolve(err ? ((err as { code?: number }).code ?? -1) : 0),
        ),
      );
      expect(code).toBe(0x87);
    } finally {
      c.end(true);
    }
  });

  test(`during ${LOOPS} loops of an endless CTE from one key, another key's queries answer 200`, async () => {
    let stop = false;
    const seen = new Map<number, number>();
    let retryAfter = "";
    const loops = Array.from({ length: LOOPS }, async () => {
      while (!stop) {
        const r = await gw.http(q(ENDLESS), {}, greedy);
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        if (r.status === 429) retryAfter = r.headers.get("retry-after") ?? "";
        await r.arrayBuffer();
      }
    });
    const statuses: number[] = [];
    try {
      // the attack is under way: the greedy key's own share is full
      for (;;) {
        if ((seen.get(429) ?? 0) > 0) break;
        await Bun.sleep(20);
      }
      for (let i = 0; i < LEGIT_QUERIES; i++) {
        const r = await gw.http(q("select 1 as one"), {}, gw.key.token);
        statuses.push(r.status);
        await r.arrayBuffer();
      }
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok / LEGIT_QUERIES).toBeGreaterThanOrEqual(0.95);
    // the greedy key was told to wait for its own share, with a time to come back
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(seen.get(503) ?? 0).toBe(0);
  }, 120_000);

  test("the same over MQTT db/query: six connections of one key loop the endless CTE, another key's queries succeed", async () => {
    const greedyConns = await Promise.all(
      Array.from({ length: 6 }, (_, i) => gw.conn({ username: greedy, clientId: `greedy-${i}`, protocolVersion: 5 })),
    );
    let stop = false;
    const codes = new Map<number, number>();
    const loops = greedyConns.map(async (c) => {
      while (!stop) {
        const code = await pubCode(c, "db/query", JSON.stringify({ q: ENDLESS, reply: "greedy/reply" }));
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    });
    const good = await gw.conn({ clientId: "good-mqtt", protocolVersion: 5 });
    const results: number[] = [];
    try {
      // the attack is under way: the greedy key's answers come back as time-outs or its quota
      for (;;) {
        if ([...codes.keys()].length > 0) break;
        await Bun.sleep(20);
      }
      for (let i = 0; i < 40; i++)
        results.push(await pubCode(good, "db/query", JSON.stringify({ q: "select 1 as one", reply: "good/reply" })));
    } finally {
      stop = true;
      await Promise.all(loops);
      for (const c of [...greedyConns, good]) c.end(true);
    }
    expect(results.filter((c) => c === 0).length / results.length).toBeGreaterThanOrEqual(0.95);
    // the greedy key hit its own quota (0x97) or Query.Timeout (0x80), never a full pool
    for (const code of codes.keys()) expect([0x97, 0x80]).toContain(code);
  }, 120_000);
});
