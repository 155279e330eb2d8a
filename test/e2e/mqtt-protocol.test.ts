// MQTT protocol behaviour: retained messages, v5 features (no-local, shared subscriptions,
// topic aliases, receive maximum), $SYS, malformed input, keep-alive and takeover.
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import mqttPacket from "mqtt-packet";
import { eventually, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";
import { closedWith, connectCollect, rawClient } from "./mqtt-clients.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MQTT protocol behaviour", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01"] });
  const { conn } = gw;

  test("a retained message is replaced by the next one and cleared by an empty retained publish", async () => {
    const p = await conn();
    await p.publishAsync("qaret/a", "1", { qos: 1, retain: true });
    await p.publishAsync("qaret/a", "2", { qos: 1, retain: true });
    await p.publishAsync("qaret/b", "b", { qos: 1, retain: true });
    await p.publishAsync("qaret/b", "", { qos: 1, retain: true });
    await p.endAsync();
    const r = await run([
      "mosquitto_sub",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "-u",
      gw.key.token,
      "-t",
      "qaret/+",
      "-v",
      "--retained-only",
      "-W",
      "1",
    ]);
    expect(r.stdout.trim()).toBe("qaret/a 2");
  });

  test("v5 no-local and retain-handling 2 subscriptions behave as specified", async () => {
    const p = await conn({ protocolVersion: 5 });
    await p.publishAsync("qarh/a", "r", { qos: 1, retain: true });
    const s = connectCollect(gw.url, { username: gw.key.token, protocolVersion: 5 });
    await s.ready;
    await s.c.subscribeAsync("qarh/#", { qos: 1, rh: 2 });
    await s.c.subscribeAsync("qanl/#", { qos: 1, nl: true });
    await s.c.publishAsync("qanl/self", "self", { qos: 1 });
    await p.publishAsync("qanl/other", "other", { qos: 1 });
    await eventually(() => s.got.length >= 1);
    await sleep(150);
    expect(s.got.map((m) => m.payload)).toEqual(["other"]);
    await s.c.endAsync();
    await p.endAsync();
  });

  test("a shared subscription splits the messages between its members", async () => {
    const a = connectCollect(gw.url, { username: gw.key.token });
    const b = connectCollect(gw.url, { username: gw.key.token });
    await Promise.all([a.ready, b.ready]);
    await a.c.subscribeAsync("$share/g1/qash/#", { qos: 1 });
    await b.c.subscribeAsync("$share/g1/qash/#", { qos: 1 });
    const p = await conn();
    for (let i = 0; i < 10; i++) await p.publishAsync("qash/x", String(i), { qos: 1 });
    await eventually(() => a.got.length + b.got.length === 10);
    expect(a.got.length).toBeGreaterThan(0);
    expect(b.got.length).toBeGreaterThan(0);
    await Promise.all([a.c.endAsync(), b.c.endAsync(), p.endAsync()]);
  });

  test("'#' does not match $SYS topics, '$SYS/#' gets the broker statistics", async () => {
    const s = connectCollect(gw.url, { username: gw.key.token });
    await s.ready;
    await s.c.subscribeAsync("#", { qos: 0 });
    await sleep(200);
    expect(s.got.filter((m) => m.topic.startsWith("$"))).toEqual([]);
    await s.c.endAsync();
    const r = await run([
      "mosquitto_sub",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "-u",
      gw.key.token,
      "-t",
      "$SYS/#",
      "-v",
      "--retained-only",
      "-W",
      "1",
    ]);
    for (const t of [
      "$SYS/broker/uptime",
      "$SYS/broker/clients/connected",
      "$SYS/broker/messages/received",
      "$SYS/broker/bytes/sent",
    ]) {
      expect(r.stdout).toContain(t);
    }
  });

  test("v5 topic aliases work, and an alias above the advertised maximum is a DISCONNECT 0x94", async () => {
    const s = connectCollect(gw.url, { username: gw.key.token, protocolVersion: 5 });
    await s.ready;
    await s.c.subscribeAsync("qata/#");
    const p = await conn({ protocolVersion: 5 });
    await p.publishAsync("qata/one", "first", { qos: 1, properties: { topicAlias: 1 } });
    await p.publishAsync("", "second", { qos: 1, properties: { topicAlias: 1 } });
    await eventually(() => s.got.length === 2);
    expect(s.got.map((m) => [m.topic, m.payload])).toEqual([
      ["qata/one", "first"],
      ["qata/one", "second"],
    ]);
    await Promise.all([s.c.endAsync(), p.endAsync()]);

    const r = rawClient(gw.srv.mqttPort, 5);
    await r.ready;
    r.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 5,
      clean: true,
      clientId: "qa-alias",
      keepalive: 60,
      username: gw.key.token,
    });
    await eventually(() => r.packets.length >= 1);
    const max = (r.packets[0] as mqttPacket.IConnackPacket).properties?.topicAliasMaximum ?? 0;
    r.send({ cmd: "publish", topic: "t", payload: "x", qos: 0, properties: { topicAlias: max + 1 } });
    await eventually(() => r.closedAfter() > 0);
    expect(r.packets.map((p) => `${p.cmd}:${(p as { reasonCode?: number }).reasonCode ?? ""}`)).toEqual([
      "connack:0",
      "disconnect:148",
    ]);
  });

  test("a v5 client's receive maximum and maximum packet size are respected", async () => {
    const r = rawClient(gw.srv.mqttPort, 5);
    await r.ready;
    r.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 5,
      clean: true,
      clientId: "qa-rm",
      keepalive: 60,
      username: gw.key.token,
      properties: { receiveMaximum: 2, maximumPacketSize: 200 },
    });
    r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "qarm/#", qos: 1 }] });
    await eventually(() => r.cmds().includes("suback"));
    const p = await conn();
    await p.publishAsync("qarm/big", "x".repeat(500), { qos: 1 });
    for (let i = 0; i < 5; i++) await p.publishAsync("qarm/x", String(i), { qos: 1 });
    const pubs = () => r.packets.filter((x) => x.cmd === "publish") as mqttPacket.IPublishPacket[];
    await eventually(() => pubs().length >= 2);
    await sleep(300); // and no third one while the first two are unacknowledged
    expect(pubs().length).toBe(2);
    expect(pubs().every((x) => x.payload.length < 200)).toBe(true);
    for (const x of pubs()) r.send({ cmd: "puback", messageId: x.messageId });
    await eventually(() => pubs().length === 4);
    expect(r.closedAfter()).toBe(0);
    r.s.destroy();
    await p.endAsync();
  });

  test("garbage, a PUBLISH before CONNECT, a second CONNECT, an over-long length and a wildcard PUBLISH topic are each closed; the broker goes on", async () => {
    const connect = () => ({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      clientId: `qa-raw-${Math.random().toString(36).slice(2, 7)}`,
      keepalive: 60,
      username: gw.key.token,
    });
    const cases: ((r: ReturnType<typeof rawClient>) => void)[] = [
      (r) => r.s.write("GET / HTTP/1.1\r\n\r\n"),
      (r) => r.send({ cmd: "publish", topic: "a", payload: "x", qos: 0 }),
      (r) => {
        r.send(connect());
        r.send(connect());
      },
      (r) => {
        r.send(connect());
        r.s.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
      },
      (r) => {
        r.send(connect());
        r.send({ cmd: "publish", topic: "a/+", payload: "x", qos: 0 });
      },
    ];
    for (const act of cases) {
      const r = rawClient(gw.srv.mqttPort);
      await r.ready;
      act(r);
      await eventually(() => r.closedAfter() > 0, 2000);
    }
    const ok = await conn();
    expect(ok.connected).toBe(true);
    await ok.endAsync();
  });

  test("an unsupported protocol level gets CONNACK 0x01; an invalid subscribe filter gets 0x80 in SUBACK", async () => {
    const r = rawClient(gw.srv.mqttPort);
    await r.ready;
    const bytes = Buffer.from(
      mqttPacket.generate({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clean: true,
        clientId: "qa-lvl",
        keepalive: 60,
        username: gw.key.token,
      } as mqttPacket.IConnectPacket),
    );
    bytes[8] = 9; // protocol level byte
    r.s.write(bytes);
    await eventually(() => r.packets.length >= 1);
    expect((r.packets[0] as mqttPacket.IConnackPacket).returnCode).toBe(1);

    const s = rawClient(gw.srv.mqttPort);
    await s.ready;
    s.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      clientId: "qa-sub",
      keepalive: 60,
      username: gw.key.token,
    });
    s.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [
        { topic: "a/#/b", qos: 0 },
        { topic: "ok/+", qos: 1 },
      ],
    });
    await eventually(() => s.cmds().includes("suback"));
    expect((s.packets.find((p) => p.cmd === "suback") as mqttPacket.ISubackPacket).granted).toEqual([128, 1]);
    s.s.destroy();
  });

  test("keepalive: silence past 1.5x closes the connection, PINGREQs keep it open", async () => {
    const connect = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      keepalive: 1,
      username: gw.key.token,
    };
    const quiet = rawClient(gw.srv.mqttPort);
    const chatty = rawClient(gw.srv.mqttPort);
    await Promise.all([quiet.ready, chatty.ready]);
    quiet.send({ ...connect, clientId: "qa-ka-quiet" });
    chatty.send({ ...connect, clientId: "qa-ka-chatty" });
    for (let i = 0; i < 4; i++) {
      await sleep(600);
      chatty.send({ cmd: "pingreq" });
    }
    expect(quiet.closedAfter()).toBeGreaterThanOrEqual(1400);
    expect(quiet.closedAfter()).toBeLessThan(2300);
    expect(chatty.closedAfter()).toBe(0);
    expect(chatty.cmds().filter((c) => c === "pingresp").length).toBeGreaterThanOrEqual(3);
    chatty.s.destroy();
  });

  test("the same client connecting again with the same token takes over: the old session gets DISCONNECT 0x8E", async () => {
    const a = await conn({ clientId: "qa-dup", protocolVersion: 5 });
    const gone = closedWith(a);
    const b = await conn({ clientId: "qa-dup", protocolVersion: 5 });
    expect(await gone).toBe(0x8e);
    expect(b.connected).toBe(true);
    await b.endAsync();
  });
});
