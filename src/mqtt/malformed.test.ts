// Hostile and broken clients: each is closed, and the broker keeps serving everyone else.
import { afterEach, expect, test } from "bun:test";
import type { IConnackPacket, IDisconnectPacket, IPublishPacket } from "mqtt-packet";
import mqttPacket from "mqtt-packet";
import { RawClient, startBroker, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.end();
  await tb?.stop();
  tb = null;
});
async function raw(version: 3 | 4 | 5 = 4): Promise<RawClient> {
  const r = await RawClient.connect(tb!.port, version);
  raws.push(r);
  return r;
}
/** A well-behaved client still gets a round trip through the broker. */
async function brokerStillWorks(): Promise<void> {
  const a = await raw(4);
  expect(((await a.connectMqtt(`ok${Math.random()}`)) as IConnackPacket).returnCode).toBe(0);
  a.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "alive", qos: 0 }] });
  await a.next("suback");
  tb!.broker.publish({ topic: "alive", payload: "yes" });
  expect(((await a.next("publish")) as IPublishPacket).payload.toString()).toBe("yes");
}

test("garbage instead of CONNECT closes the socket [MQTT-3.1.0-1]", async () => {
  tb = await startBroker();
  const r = await raw();
  r.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await r.closedPromise;
  expect(r.packets).toHaveLength(0);
  await brokerStillWorks();
});

test("a PUBLISH before CONNECT closes the socket", async () => {
  tb = await startBroker();
  const r = await raw();
  r.send({ cmd: "publish", topic: "a", payload: "x", qos: 0, dup: false, retain: false });
  await r.closedPromise;
  expect(r.packets).toHaveLength(0);
  await brokerStillWorks();
});

test("a remaining length longer than four bytes closes the socket", async () => {
  tb = await startBroker();
  const r = await raw();
  await r.connectMqtt("long");
  r.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
  await r.closedPromise;
  await brokerStillWorks();
});

test("a second CONNECT closes the connection (v5: DISCONNECT 0x82 first) [MQTT-3.1.0-2]", async () => {
  tb = await startBroker();
  const r = await raw(5);
  await r.connectMqtt("twice");
  r.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "twice", clean: true, keepalive: 0 });
  expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x82);
  await r.closedPromise;
  await brokerStillWorks();
});

test("a client that sends nothing is closed by the connect timeout", async () => {
  tb = await startBroker({ connectTimeoutMs: 150 });
  const r = await raw();
  const t0 = Date.now();
  await r.closedPromise;
  expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  await brokerStillWorks();
});

test("a packet over maxPacketSize closes the connection, v5 with DISCONNECT 0x95, and v5 CONNACK advertises the limit", async () => {
  tb = await startBroker({ maxPacketSize: 1024 });
  const r5 = await raw(5);
  const ack = (await r5.connectMqtt("big5")) as IConnackPacket;
  expect(ack.properties?.maximumPacketSize).toBe(1024);
  r5.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(2000), qos: 0, dup: false, retain: false });
  expect(((await r5.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x95);
  await r5.closedPromise;
  const r4 = await raw(4);
  await r4.connectMqtt("big4");
  r4.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(2000), qos: 0, dup: false, retain: false });
  await r4.closedPromise;
  await brokerStillWorks();
});

test("an unsupported protocol level gets CONNACK 0x01 and is closed [MQTT-3.1.2-2]", async () => {
  tb = await startBroker();
  const r = await raw(4);
  const good = mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clientId: "v6",
    clean: true,
    keepalive: 0,
  });
  good[8] = 6; // protocol level byte
  r.write(good);
  expect(((await r.next("connack")) as IConnackPacket).returnCode).toBe(1);
  await r.closedPromise;
});

test("a CONNECT split into single bytes is still understood", async () => {
  tb = await startBroker();
  const r = await raw(4);
  const bytes = mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clientId: "drip",
    clean: true,
    keepalive: 0,
  });
  for (const b of bytes) {
    r.write(Buffer.from([b]));
    await Bun.sleep(0);
  }
  expect(((await r.next("connack")) as IConnackPacket).returnCode).toBe(0);
});

test("several packets in one TCP write are all handled, in order", async () => {
  tb = await startBroker();
  const r = await raw(4);
  const parts = [
    mqttPacket.generate({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clientId: "batch",
      clean: true,
      keepalive: 0,
    }),
    mqttPacket.generate({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "b", qos: 0 }] }),
    mqttPacket.generate({ cmd: "publish", topic: "b", payload: "self", qos: 0, dup: false, retain: false }),
    mqttPacket.generate({ cmd: "pingreq" }),
  ];
  r.write(Buffer.concat(parts));
  await r.next("pingresp");
  expect(r.packets.map((p) => p.cmd)).toEqual(["connack", "suback", "publish"]);
});

test("messages larger than the v5 client's Maximum Packet Size are dropped for that client only", async () => {
  tb = await startBroker();
  const r = await raw(5);
  await r.connectMqtt("small", { properties: { maximumPacketSize: 100 } });
  r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "m", qos: 1 }] });
  await r.next("suback");
  tb.broker.publish({ topic: "m", payload: Buffer.alloc(500), qos: 1 });
  tb.broker.publish({ topic: "m", payload: "tiny", qos: 1 });
  expect(((await r.next("publish")) as IPublishPacket).payload.toString()).toBe("tiny");
  expect(tb.broker.stats().droppedTooLarge).toBe(1);
});

test("a subscriber that stops reading gets QoS 0 dropped instead of unbounded buffering", async () => {
  tb = await startBroker({ maxQueuedMessages: 10 });
  const r = await raw(4);
  await r.connectMqtt("slow");
  r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "flood", qos: 0 }] });
  await r.next("suback");
  r.pause();
  const payload = Buffer.alloc(4096);
  for (let round = 0; round < 100 && tb.broker.stats().droppedQos0 === 0; round++) {
    for (let i = 0; i < 500; i++) tb.broker.publish({ topic: "flood", payload });
    await Bun.sleep(1);
  }
  expect(tb.broker.stats().droppedQos0).toBeGreaterThan(0);
  await brokerStillWorks();
});
