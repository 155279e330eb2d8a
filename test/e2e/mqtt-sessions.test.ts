// MQTT sessions as Mosquitto/EMQX users rely on them: QoS 1/2 delivery, persistent
// sessions and redelivery, expiry and wills (mosquitto clients, MQTT.js, raw packets).
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import type mqttPacket from "mqtt-packet";
import { eventually, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";
import { connectCollect, rawClient } from "./mqtt-clients.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("MQTT sessions and delivery guarantees", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01"] });
  const { query, conn } = gw;

  test("mosquitto_pub -V mqttv31 with the token writes a QoS 2 row", async () => {
    const r = await run([
      "mosquitto_pub",
      "-V",
      "mqttv31",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "--username",
      gw.key.token,
      "-q",
      "2",
      "-t",
      "db/write/QAV31",
      "-m",
      '["v31", 1675851592000000000, 3.1]',
    ]);
    expect(r.code).toBe(0);
    expect((await query("select NAME, VALUE from QAV31")).body.data.rows).toEqual([["v31", 3.1]]);
    const anon = await run([
      "mosquitto_pub",
      "-V",
      "mqttv31",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(anon.stderr).toContain("not authorised");
  });

  test("a persistent v3.1.1 session gets its QoS 1 and 2 messages queued while offline, with sessionPresent", async () => {
    const s = await conn({ clientId: "qa-persist", clean: false });
    await s.subscribeAsync("qapersist/#", { qos: 2 });
    await s.endAsync();
    const p = await conn();
    await p.publishAsync("qapersist/a", "q1", { qos: 1 });
    await p.publishAsync("qapersist/b", "q2", { qos: 2 });
    await p.endAsync();
    const s2 = connectCollect(gw.url, { username: gw.key.token, clientId: "qa-persist", clean: false });
    await s2.ready;
    expect(s2.sessionPresent()).toBe(true);
    await eventually(() => s2.got.length >= 2);
    expect(s2.got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ["qapersist/a", "q1", 1],
      ["qapersist/b", "q2", 2],
    ]);
    await s2.c.endAsync();
  });

  test("an unacknowledged QoS 1 delivery is sent again with DUP after the subscriber reconnects", async () => {
    // a raw subscriber that never sends PUBACK, then drops the socket
    const connect = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: false,
      clientId: "qa-noack",
      keepalive: 60,
      username: gw.key.token,
    };
    const s = rawClient(gw.srv.mqttPort);
    await s.ready;
    s.send(connect);
    s.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "qanoack/#", qos: 1 }] });
    await eventually(() => s.cmds().includes("suback"));
    const p = await conn();
    await p.publishAsync("qanoack/x", "inflight", { qos: 1 });
    await p.endAsync();
    await eventually(() => s.cmds().includes("publish"));
    expect((s.packets.find((x) => x.cmd === "publish") as mqttPacket.IPublishPacket).dup).toBe(false);
    s.s.destroy();
    const s2 = rawClient(gw.srv.mqttPort);
    await s2.ready;
    s2.send(connect);
    await eventually(() => s2.cmds().includes("publish"));
    expect((s2.packets[0] as mqttPacket.IConnackPacket).sessionPresent).toBe(true);
    const again = s2.packets.find((x) => x.cmd === "publish") as mqttPacket.IPublishPacket;
    expect([again.topic, again.payload.toString(), again.qos, again.dup]).toEqual(["qanoack/x", "inflight", 1, true]);
    s2.send({ cmd: "puback", messageId: again.messageId });
    s2.s.destroy();
  });

  test("a QoS 2 publisher that reconnects mid-flow and resends with DUP delivers once and writes one row", async () => {
    const sub = connectCollect(gw.url, { username: gw.key.token });
    await sub.ready;
    await sub.c.subscribeAsync("qaq2/#", { qos: 2 });
    const connect = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: false,
      clientId: "qa-q2pub",
      keepalive: 60,
      username: gw.key.token,
    };
    let r = rawClient(gw.srv.mqttPort);
    await r.ready;
    r.send(connect);
    r.send({ cmd: "publish", topic: "qaq2/a", payload: "exactly-once", qos: 2, messageId: 11 });
    r.send({
      cmd: "publish",
      topic: "db/write/QAQ2",
      payload: '["q2", 1675851592000000000, 1]',
      qos: 2,
      messageId: 12,
    });
    await eventually(() => r.cmds().filter((c) => c === "pubrec").length === 2);
    r.s.destroy();
    r = rawClient(gw.srv.mqttPort);
    await r.ready;
    r.send(connect);
    r.send({ cmd: "publish", topic: "qaq2/a", payload: "exactly-once", qos: 2, messageId: 11, dup: true });
    r.send({
      cmd: "publish",
      topic: "db/write/QAQ2",
      payload: '["q2", 1675851592000000000, 1]',
      qos: 2,
      messageId: 12,
      dup: true,
    });
    r.send({ cmd: "pubrel", messageId: 11 });
    r.send({ cmd: "pubrel", messageId: 12 });
    await eventually(() => r.cmds().filter((c) => c === "pubcomp").length === 2);
    expect((r.packets[0] as mqttPacket.IConnackPacket).sessionPresent).toBe(true);
    await sleep(100);
    r.s.destroy();
    expect(sub.got.map((m) => m.payload)).toEqual(["exactly-once"]);
    expect((await query("select count(*) from QAQ2")).body.data.rows[0]![0]).toBe(1);
    await sub.c.endAsync();
  });

  test("a v5 session with expiry 1 s is gone after 1.5 s; message expiry drops stale queued messages", async () => {
    const s = await conn({
      clientId: "qa-sx",
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 1 },
    });
    await s.subscribeAsync("qasx/#", { qos: 1 });
    await s.endAsync();
    const m = await conn({
      clientId: "qa-mexp",
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 60 },
    });
    await m.subscribeAsync("qamexp/#", { qos: 1 });
    await m.endAsync();
    const p = await conn({ protocolVersion: 5 });
    await p.publishAsync("qamexp/short", "short", { qos: 1, properties: { messageExpiryInterval: 1 } });
    await p.publishAsync("qamexp/long", "long", { qos: 1, properties: { messageExpiryInterval: 100 } });
    await p.endAsync();
    await sleep(2100);
    const s2 = connectCollect(gw.url, { username: gw.key.token, clientId: "qa-sx", clean: false, protocolVersion: 5 });
    await s2.ready;
    expect(s2.sessionPresent()).toBe(false);
    const m2 = connectCollect(gw.url, {
      username: gw.key.token,
      clientId: "qa-mexp",
      clean: false,
      protocolVersion: 5,
    });
    await m2.ready;
    await eventually(() => m2.got.length >= 1);
    await sleep(100);
    expect(m2.got.map((x) => x.topic)).toEqual(["qamexp/long"]);
    // the remaining lifetime is forwarded, reduced by the time spent queued
    expect(m2.got[0]!.props?.messageExpiryInterval).toBeLessThanOrEqual(98);
    await s2.c.endAsync();
    await m2.c.endAsync();
  });

  test("a last will goes out when a client vanishes, not when it disconnects cleanly; v5 will delay is honoured", async () => {
    const w = connectCollect(gw.url, { username: gw.key.token });
    await w.ready;
    await w.c.subscribeAsync("qawill/#", { qos: 1 });
    const d = await conn({
      clientId: "qa-dier",
      will: { topic: "qawill/a", payload: Buffer.from("gone"), qos: 1, retain: false },
    });
    const polite = await conn({
      clientId: "qa-polite",
      will: { topic: "qawill/b", payload: Buffer.from("never"), qos: 1, retain: false },
    });
    const late = await conn({
      clientId: "qa-late",
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 10 },
      will: {
        topic: "qawill/c",
        payload: Buffer.from("late"),
        qos: 0,
        retain: false,
        properties: { willDelayInterval: 1 },
      },
    });
    await polite.endAsync();
    (d as unknown as { stream: { destroy(): void } }).stream.destroy();
    (late as unknown as { stream: { destroy(): void } }).stream.destroy();
    await eventually(() => w.got.some((m) => m.topic === "qawill/a"));
    await sleep(300);
    expect(w.got.map((m) => m.topic)).toEqual(["qawill/a"]);
    await eventually(() => w.got.some((m) => m.topic === "qawill/c"), 3000);
    expect(w.got.map((m) => m.payload)).toEqual(["gone", "late"]);
    await w.c.endAsync();
  });
});
