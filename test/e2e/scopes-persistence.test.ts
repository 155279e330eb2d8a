// Scopes hold for persistent sessions across a restart: messages queued for an offline
// session are checked against its key's scopes too, and v5 publishers hear 0x87.
import { afterAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, genKey, run, startServer, tempDir, type Server } from "./harness.ts";
import { TOKEN_AUTH } from "./fixture.ts";
import { connectCollect, pubCode } from "./mqtt-clients.ts";

const data = tempDir("neo-scopes-persist-");
let srv: Server | undefined;
afterAll(async () => {
  await srv?.stop();
  cleanup(data);
});

describe("persistent sessions", () => {
  test("a persistent session that resumes after a restart gets only what its scopes allow, queued ones included", async () => {
    srv = await startServer(TOKEN_AUTH, { data });
    const admin = await genKey(data, "p-admin");
    const dev = await genKey(data, "p-dev", ["--scope", "topics:subscribe:devices/%c/#"]);
    const url = () => `mqtt://${srv!.mqttHost}:${srv!.mqttPort}`;
    const first = connectCollect(url(), { username: dev.token, clientId: "p-dev", clean: false, protocolVersion: 4 });
    await first.ready;
    await new Promise<void>((r) => first.c.subscribe("#", { qos: 1 }, () => r()));
    first.c.end(true);
    await srv.stop();

    srv = await startServer(TOKEN_AUTH, { data });
    const a = connectCollect(url(), { username: admin.token, clientId: "p-admin", protocolVersion: 5 });
    await a.ready;
    // while p-dev is away: one for another device, one for it
    expect(await pubCode(a.c, "devices/other/t", "not-yours", { qos: 1 })).toBe(0);
    expect(await pubCode(a.c, "devices/p-dev/t", "yours", { qos: 1 })).toBe(0);
    a.c.end(true);
    const back = connectCollect(url(), { username: dev.token, clientId: "p-dev", clean: false, protocolVersion: 4 });
    await back.ready;
    expect(back.sessionPresent()).toBe(true);
    await eventually(() => back.got.some((m) => m.payload === "yours"));
    back.c.end(true);
    expect(back.got.map((m) => m.payload)).toEqual(["yours"]);
  });

  test("a v5 mosquitto_pub outside its scopes is told: PUBACK 0x87 (Not authorized)", async () => {
    const k = await genKey(data, "p-pub", ["--scope", "topics:publish:devices/%c/#"]);
    const args = [
      "mosquitto_pub",
      "-p",
      String(srv!.mqttPort),
      "-i",
      "p-pub",
      "-u",
      k.token,
      "-V",
      "mqttv5",
      "-q",
      "1",
      "-m",
      "x",
    ];
    const denied = await run([...args, "-t", "devices/other/x"]);
    expect(denied.stderr + denied.stdout).toMatch(/not authori[sz]ed/i);
    const ok = await run([...args, "-t", "devices/p-pub/x"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr + ok.stdout).not.toMatch(/not authori[sz]ed/i);
  });
});
