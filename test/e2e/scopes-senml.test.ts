// A SenML channel's side table `<T>_SENML` holds T's data: `tables:read:T` reads it too
// (over /db/query, joins included), its own `tables:read:T_SENML` works, and a deny of
// either refuses it with a 403 naming the table. Real mosquitto_pub publishes the SenML.
import { describe, expect, test } from "bun:test";
import { genKey, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";

const gw = useGateway({ args: TOKEN_AUTH, keys: ["thing-1"] });
const SENML = '[{"bn":"room:","bt":1.7e+09,"n":"temp","u":"Cel","v":21.5},{"n":"door","vs":"open"}]';

async function stored(): Promise<void> {
  for (const args of [
    ["channel", "create", "plant-s"],
    ["channel", "connect", "plant-s", "thing-1"],
  ]) {
    const r = await neo(["shell", ...args, "--data", gw.srv.data]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const host = ["-h", gw.srv.mqttHost, "-p", String(gw.srv.mqttPort), "-u", gw.key.token];
  const r = await run(["mosquitto_pub", ...host, "-q", "1", "-t", "channels/plant-s/messages", "-m", SENML]);
  expect(r.code).toBe(0);
}

const readAs = async (scopes: string[], sql: string) => {
  const k = await genKey(
    gw.srv.data,
    `r${Math.random().toString(36).slice(2, 8)}`,
    scopes.flatMap((s) => ["--scope", s]),
  );
  const r = await gw.query(sql, "", k.token);
  return { status: r.status, reason: r.body.reason, rows: r.body.data?.rows };
};

describe("a channel's SenML table and tables:read", () => {
  test("tables:read:T reads T_SENML (joins included); another table's scope or a deny gets 403 naming it", async () => {
    await stored();
    const own = await readAs(["tables:read:PLANT_S"], "select NAME, UNIT, VS from PLANT_S_SENML order by NAME");
    expect(own.status).toBe(200);
    expect(own.rows).toEqual([
      ["room:door", null, "open"],
      ["room:temp", "Cel", null],
    ]);
    const join = await readAs(
      ["tables:read:plant_s"],
      "select s.UNIT from PLANT_S t join PLANT_S_SENML s on s.NAME = t.NAME and s.TIME = t.TIME",
    );
    expect(join.status).toBe(200);
    expect(join.rows).toContainEqual(["Cel"]);
    const side = await readAs(["tables:read:PLANT_S_SENML"], "select count(*) from PLANT_S_SENML");
    expect(side.status).toBe(200);
    const other = await readAs(["tables:read:OTHER"], "select count(*) from PLANT_S_SENML");
    expect(other.status).toBe(403);
    expect(other.reason).toContain("PLANT_S_SENML");
    const denied = await readAs(["tables:read:*", "!tables:read:PLANT_S"], "select count(*) from PLANT_S_SENML");
    expect(denied.status).toBe(403);
    expect(denied.reason).toContain("PLANT_S_SENML");
    const sideDenied = await readAs(["tables:read:*", "!tables:read:PLANT_S_SENML"], "select count(*) from PLANT_S");
    expect(sideDenied.status).toBe(200);
  });
});
