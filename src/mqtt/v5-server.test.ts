// MQTT 5 server features a conformance suite expects: Server Keep Alive, outbound topic
// aliases, and a Receive Maximum violation answered with a DISCONNECT the client can read.
import { afterEach, expect, test } from "bun:test";
import type { IConnackPacket, IDisconnectPacket, IPublishPacket } from "mqtt-packet";
import mqttPacket from "mqtt-packet";
import { SERVER_RECEIVE_MAXIMUM } from "./handlers/connect.ts";
import { allowAll, RawClient, startBroker, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.end();
  await tb?.stop();
  tb = null;
});
async function raw(version: 4 | 5 = 5): Promise<RawClient> {
  const r = await RawClient.connect(tb!.port, version);
  raws.push(r);
  return r;
}

test("more QoS 1 publishes in flight than Receive Maximum: DISCONNECT 0x93 arrives before the close", async () => {
  // the app never settles a publish, so every QoS 1 message stays unacknowledged
  tb = await startBroker({ hooks: { ...allowAll, onPublish: () => new Promise(() => {}) } });
  const r = await raw(5);
  expect(((await r.connectMqtt("flood")) as IConnackPacket).reasonCode).toBe(0);
  const burst: Buffer[] = [];
  for (let i = 1; i <= SERVER_RECEIVE_MAXIMUM + 200; i++) {
    burst.push(
      mqttPacket.generate(
        { cmd: "publish", topic: "t", payload: Buffer.alloc(512), qos: 1, messageId: i, retain: false, dup: false },
        { protocolVersion: 5 },
      ),
    );
  }
  r.write(Buffer.concat(burst));
  const d = (await r.next("disconnect", 5000)) as IDisconnectPacket | null;
  expect(d?.reasonCode).toBe(0x93);
  await r.closedPromise;
});

test("a Keep Alive over Mqtt.MaxKeepAlive (or none) gets Server Keep Alive in a v5 CONNACK; 3.1.1 is refused", async () => {
  tb = await startBroker({ maxKeepAlive: 60 });
  const a = await raw(5);
  const ack = (await a.connectMqtt("ka1", { keepalive: 120 })) as IConnackPacket;
  expect(ack.reasonCode).toBe(0);
  expect(ack.properties?.serverKeepAlive).toBe(60);
  const b = await raw(5);
  expect(((await b.connectMqtt("ka2", { keepalive: 0 })) as IConnackPacket).properties?.serverKeepAlive).toBe(60);
  const c = await raw(5);
  expect(
    ((await c.connectMqtt("ka3", { keepalive: 30 })) as IConnackPacket).properties?.serverKeepAlive,
  ).toBeUndefined();
  const old = await raw(4);
  expect(((await old.connectMqtt("ka4", { keepalive: 120 })) as IConnackPacket).returnCode).toBe(2);
});

test("outbound topic aliases: up to the client's Topic Alias Maximum, then full topics", async () => {
  tb = await startBroker({});
  const sub = await raw(5);
  await sub.connectMqtt("aliased", { properties: { topicAliasMaximum: 2 } });
  sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a/#", qos: 0 }] });
  await sub.next("suback");
  for (const t of ["a/1", "a/1", "a/2", "a/3", "a/2"]) tb.broker.publish({ topic: t, payload: t });
  const got: { topic: string; alias?: number; payload: string }[] = [];
  for (let i = 0; i < 5; i++) {
    const p = (await sub.next("publish")) as IPublishPacket;
    got.push({ topic: p.topic, alias: p.properties?.topicAlias, payload: p.payload.toString() });
  }
  expect(got).toEqual([
    { topic: "a/1", alias: 1, payload: "a/1" },
    { topic: "", alias: 1, payload: "a/1" },
    { topic: "a/2", alias: 2, payload: "a/2" },
    { topic: "a/3", alias: undefined, payload: "a/3" },
    { topic: "", alias: 2, payload: "a/2" },
  ]);
});

test("an empty SUBSCRIBE or UNSUBSCRIBE is a Protocol Error: DISCONNECT 0x82 (v5), close (3.1.1)", async () => {
  tb = await startBroker({});
  for (const [cmd, bytes] of [
    ["subscribe", Buffer.from([0x82, 0x03, 0x00, 0x01, 0x00])],
    ["unsubscribe", Buffer.from([0xa2, 0x03, 0x00, 0x01, 0x00])],
  ] as const) {
    const r = await raw(5);
    await r.connectMqtt(`empty-${cmd}`);
    r.write(bytes); // packet id 1, no properties, no topic filters
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x82);
    await r.closedPromise;
    const old = await raw(4);
    await old.connectMqtt(`empty-${cmd}-v4`);
    old.write(Buffer.from([bytes[0]!, 0x02, 0x00, 0x01]));
    await old.closedPromise;
    expect(old.packets.filter((p) => p.cmd !== "connack")).toEqual([]);
  }
});

test("a v5 PUBLISH with a broken user property is DISCONNECT 0x81 and reaches no subscriber", async () => {
  tb = await startBroker({});
  const v4 = await raw(4);
  await v4.connectMqtt("watcher");
  v4.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "up/#", qos: 0 }] });
  await v4.next("suback");
  const r = await raw(5);
  await r.connectMqtt("broken");
  const bad = mqttPacket.generate(
    {
      cmd: "publish",
      topic: "up/x",
      payload: Buffer.from("x"),
      qos: 1,
      messageId: 7,
      retain: false,
      dup: false,
      properties: { userProperties: { k: "v" }, contentType: "t", responseTopic: "r" },
    },
    { protocolVersion: 5 },
  );
  // the user property's key length now says 256: mqtt-packet reads {"null": null}, which
  // no encoder can write again (found by fuzz.test.ts)
  bad[bad.indexOf(0x26) + 1] = 0x01;
  r.write(bad);
  expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x81);
  await r.closedPromise;
  v4.send({ cmd: "pingreq" });
  await v4.next("pingresp");
  expect(v4.packets.filter((p) => p.cmd === "publish")).toEqual([]);
});
