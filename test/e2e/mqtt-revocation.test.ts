// Keys that stop working while their MQTT client is connected (revoked, rotated,
// expired, deleted over TCP and WebSocket) and who may use which client id.
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, genKey, neo, run, startServer, tempDir } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";
import { closedWith } from "./mqtt-clients.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a key that stops working drops its live MQTT session", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01"] });
  const { conn } = gw;

  test("a key revoked while its v5 client is connected: DISCONNECT 0x98 within a second", async () => {
    const k = await genKey(gw.srv.data, "qa-live-rev");
    const c = await conn({ username: k.token, clientId: "qa-live-rev", protocolVersion: 5 });
    const gone = closedWith(c);
    const t0 = Date.now();
    expect((await neo(["shell", "key", "revoke", "qa-live-rev", "--data", gw.srv.data])).code).toBe(0);
    expect(await gone).toBe(0x98);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("a key rotated while its v3.1.1 client is connected: the connection is closed within a second", async () => {
    const k = await genKey(gw.srv.data, "qa-live-rot");
    const c = await conn({ username: k.token, clientId: "qa-live-rot" });
    const gone = closedWith(c);
    const t0 = Date.now();
    expect(
      (await neo(["shell", "key", "rotate", "qa-live-rot", "--output", `${k.prefix}-2`, "--data", gw.srv.data])).code,
    ).toBe(0);
    await gone;
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("a key that expires while its client is connected: DISCONNECT 0x98 within a second of expiry", async () => {
    const notAfter = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000);
    const k = await genKey(gw.srv.data, "qa-live-exp", ["--not-after", notAfter.toISOString().replace(/\.\d+Z$/, "Z")]);
    const c = await conn({ username: k.token, clientId: "qa-live-exp", protocolVersion: 5 });
    const code = await closedWith(c);
    expect(code).toBe(0x98);
    expect(Date.now() - notAfter.getTime()).toBeLessThan(1000);
    expect(Date.now()).toBeGreaterThanOrEqual(notAfter.getTime() - 50);
  });

  test("a key deleted while its WebSocket client is connected: DISCONNECT 0x98 within a second", async () => {
    const k = await genKey(gw.srv.data, "qa-live-ws");
    const c = await mqtt.connectAsync(`ws://${gw.srv.ready.http}/mqtt`, {
      username: k.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const gone = closedWith(c);
    const t0 = Date.now();
    expect((await neo(["shell", "key", "del", "qa-live-ws", "--data", gw.srv.data])).code).toBe(0);
    expect(await gone).toBe(0x98);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("WebSocket refuses a v5 client without a token and a bogus token with a proper CONNACK", async () => {
    for (const username of [undefined, `qa-app01:b:${"0".repeat(64)}`]) {
      await expect(
        mqtt.connectAsync(`ws://${gw.srv.ready.http}/mqtt`, {
          username,
          protocolVersion: 5,
          reconnectPeriod: 0,
          connectTimeout: 3000,
        }),
      ).rejects.toThrow(/Not authorized/i);
    }
  });
});

describe("RequireClientIdMatch", () => {
  test("with Mqtt.RequireClientIdMatch the client id must equal the key's id (v3.1.1 0x05, v5 0x87)", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "neo.conf"), "Mqtt {\n  EnableTokenAuth = true\n  RequireClientIdMatch = true\n}\n");
    const srv = await startServer(["--config", join(dir, "neo.conf")]);
    try {
      const k = await genKey(srv.data, "dev1");
      const base = [
        "mosquitto_pub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-u",
        k.token,
        "-t",
        "x",
        "-m",
        "1",
      ];
      expect((await run(base)).stderr).toContain("not authorised");
      expect((await run([...base, "-i", "other"])).stderr).toContain("not authorised");
      const v5 = await run([...base, "-i", "other", "-V", "5"]);
      expect(v5.code).toBe(135);
      expect((await run([...base, "-i", "dev1"])).code).toBe(0);
    } finally {
      await srv.stop();
      cleanup(srv.data);
      cleanup(dir);
    }
  });
});
