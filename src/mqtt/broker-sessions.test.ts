import { describe, expect, test } from "bun:test";
import type { IConnackPacket, IPublishPacket, IDisconnectPacket } from "mqtt-packet";
import { brokerKit } from "./broker-kit.ts";
import type { BrokerCore } from "./core.ts";
import type { Session } from "./session.ts";
import { allowAll, until } from "./test-support.ts";

const kit = brokerKit();
const { client, raw, nextMessage } = kit;

describe("sessions and QoS flows", () => {
  test("a persistent session keeps subscriptions and queued QoS 1 messages across reconnect", async () => {
    await kit.start();
    const s = await client({ clientId: "dev1", clean: false });
    await s.subscribeAsync("cmd/dev1", { qos: 1 });
    await s.endAsync();
    const pub = await client();
    for (const m of ["a", "b", "c"]) await pub.publishAsync("cmd/dev1", m, { qos: 1 });
    const r = await raw();
    const ack = (await r.connectMqtt("dev1", { clean: false })) as IConnackPacket;
    expect(ack.sessionPresent).toBe(true);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = (await r.next("publish")) as IPublishPacket;
      got.push(p.payload.toString());
      r.send({ cmd: "puback", messageId: p.messageId! });
    }
    expect(got).toEqual(["a", "b", "c"]);
  });

  test("an offline session keeps no Connection: the answers kept about it go when it leaves", async () => {
    const tb = await kit.start({
      hooks: { ...allowAll, authorizeDeliver: () => true, decisionsUntil: () => Number.POSITIVE_INFINITY },
    });
    const s = await client({ clientId: "away", clean: false });
    await s.subscribeAsync("t/away", { qos: 1 });
    tb.broker.publish({ topic: "t/away", payload: "1", qos: 1 });
    await nextMessage(s);
    const core = (tb.broker as unknown as { core: BrokerCore }).core;
    const session = core.sessions.get("away") as Session;
    expect(session.deliveryTarget?.client).toBe(session.conn?.client ?? null); // kept while connected
    await s.endAsync();
    await until(() => session.conn === null);
    expect([session.deliveryTarget, session.decisions]).toEqual([null, null]);
    tb.broker.publish({ topic: "t/away", payload: "2", qos: 1 }); // decided for the offline session, queued
    expect(session.deliveryTarget?.client).toBeNull();
    expect(session.queued).toBe(1);
  });

  test("unacknowledged QoS 1 and QoS 2 messages are resent with DUP after reconnect", async () => {
    const tb = await kit.start();
    const r1 = await raw();
    await r1.connectMqtt("dup", { clean: false });
    r1.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "d/#", qos: 2 }] });
    await r1.next("suback");
    tb.broker.publish({ topic: "d/1", payload: "one", qos: 1 });
    tb.broker.publish({ topic: "d/2", payload: "two", qos: 2 });
    const first = (await r1.next("publish")) as IPublishPacket;
    const second = (await r1.next("publish")) as IPublishPacket;
    expect(first.dup).toBe(false);
    r1.end(); // gone without acking
    await r1.closedPromise;
    await until(() => tb.broker.stats().connected === 0);
    const r2 = await raw();
    await r2.connectMqtt("dup", { clean: false });
    const again1 = (await r2.next("publish")) as IPublishPacket;
    const again2 = (await r2.next("publish")) as IPublishPacket;
    expect([again1.topic, again1.dup, again1.messageId]).toEqual(["d/1", true, first.messageId]);
    expect([again2.topic, again2.dup, again2.messageId, again2.qos]).toEqual(["d/2", true, second.messageId, 2]);
    r2.send({ cmd: "pubrec", messageId: again2.messageId! });
    expect((await r2.next("pubrel"))?.messageId).toBe(again2.messageId);
    // PUBREL state survives a reconnect too: after PUBREC we get PUBREL again, not the PUBLISH
    r2.end();
    await r2.closedPromise;
    await until(() => tb.broker.stats().connected === 0);
    const r3 = await raw();
    await r3.connectMqtt("dup", { clean: false });
    const rel = await r3.next();
    expect(rel?.cmd).toBe("publish"); // the QoS 1 message (never acked) comes first
    expect((await r3.next())?.cmd).toBe("pubrel");
  });

  test("an inbound QoS 2 message resent before PUBREL is delivered only once", async () => {
    await kit.start();
    const sub = await client({ clientId: "s" });
    const seen: string[] = [];
    sub.on("message", (_t, p) => seen.push(p.toString()));
    await sub.subscribeAsync("q2", { qos: 2 });
    const r = await raw();
    await r.connectMqtt("p");
    const pkt = {
      cmd: "publish",
      topic: "q2",
      payload: "once",
      qos: 2,
      messageId: 42,
      dup: false,
      retain: false,
    } as const;
    r.send(pkt);
    expect((await r.next("pubrec"))?.messageId).toBe(42);
    r.send({ ...pkt, dup: true });
    expect((await r.next("pubrec"))?.messageId).toBe(42);
    r.send({ cmd: "pubrel", messageId: 42 });
    expect((await r.next("pubcomp"))?.messageId).toBe(42);
    await until(() => seen.length >= 1);
    r.send({ cmd: "pingreq" });
    await r.next("pingresp");
    expect(seen).toEqual(["once"]);
  });

  test("a clean session starts empty and says sessionPresent=false", async () => {
    const tb = await kit.start();
    const a = await client({ clientId: "c", clean: false });
    await a.subscribeAsync("x");
    await a.endAsync();
    const r = await raw();
    expect(((await r.connectMqtt("c", { clean: true })) as IConnackPacket).sessionPresent).toBe(false);
    expect(tb.broker.stats().subscriptions).toBe(0);
  });

  test("v5 honours the client's Receive Maximum for QoS 1 in flight", async () => {
    const tb = await kit.start();
    const r = await raw(5);
    await r.connectMqtt("rm", { properties: { receiveMaximum: 2 } });
    r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "rm", qos: 1 }] });
    await r.next("suback");
    for (let i = 0; i < 5; i++) tb.broker.publish({ topic: "rm", payload: String(i), qos: 1 });
    r.send({ cmd: "pingreq" });
    await r.next("pingresp");
    const firstTwo = r.packets.filter((p) => p.cmd === "publish") as IPublishPacket[];
    expect(firstTwo.map((p) => p.payload.toString())).toEqual(["0", "1"]);
    r.packets.length = 0;
    r.send({ cmd: "puback", messageId: firstTwo[0]!.messageId! });
    expect(((await r.next("publish")) as IPublishPacket).payload.toString()).toBe("2");
  });

  test("v5 messages expire in the queue and carry the remaining expiry interval", async () => {
    const tb = await kit.start();
    const s = await client({
      protocolVersion: 5,
      clientId: "exp",
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    await s.subscribeAsync("e", { qos: 1 });
    await s.endAsync();
    tb.broker.publish({ topic: "e", payload: "short", qos: 1, properties: { messageExpiryInterval: 1 } });
    tb.broker.publish({ topic: "e", payload: "long", qos: 1, properties: { messageExpiryInterval: 100 } });
    const t0 = Date.now();
    await until(() => Date.now() - t0 > 1050, 2000);
    const r = await raw(5);
    await r.connectMqtt("exp", { clean: false, properties: { sessionExpiryInterval: 60 } });
    const p = (await r.next("publish")) as IPublishPacket;
    expect(p.payload.toString()).toBe("long");
    expect(p.properties?.messageExpiryInterval).toBeLessThanOrEqual(99);
    expect(tb.broker.stats().expired).toBe(1);
  });

  test("a second connection with the same client id takes the session over (v5 DISCONNECT 0x8E)", async () => {
    const tb = await kit.start();
    const old = await raw(5);
    await old.connectMqtt("same");
    const fresh = await raw(5);
    await fresh.connectMqtt("same");
    expect(((await old.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x8e);
    await old.closedPromise;
    expect(tb.broker.clients().map((c) => c.id)).toEqual(["same"]);
  });

  test("an empty client id gets an assigned one in v5 and is refused for a persistent 3.1.1 session", async () => {
    await kit.start();
    const r5 = await raw(5);
    const ack = (await r5.connectMqtt("")) as IConnackPacket;
    expect(ack.properties?.assignedClientIdentifier).toMatch(/^neo[0-9a-f]{20}$/);
    const r4 = await raw(4);
    // mqtt-packet refuses to encode this one, so write it by hand: 3.1.1, clean=0, empty id
    r4.write(Buffer.from([0x10, 12, 0, 4, 77, 81, 84, 84, 4, 0, 0, 0, 0, 0]));
    expect(((await r4.next("connack")) as IConnackPacket).returnCode).toBe(2);
    await r4.closedPromise;
    const r4c = await raw(4);
    expect(((await r4c.connectMqtt("", { clean: true })) as IConnackPacket).returnCode).toBe(0);
  });
});

describe("will messages", () => {
  test("the will is published when a client vanishes and not after a normal DISCONNECT", async () => {
    await kit.start();
    const w = await client({ clientId: "watch" });
    const seen: string[] = [];
    w.on("message", (_t, p) => seen.push(p.toString()));
    await w.subscribeAsync("wills/#", { qos: 1 });
    const will = { topic: "wills/a", payload: Buffer.from("a died"), qos: 1 as const, retain: false };
    const polite = await raw();
    await polite.connectMqtt("a1", { will: { ...will, payload: Buffer.from("polite") } });
    polite.send({ cmd: "disconnect" });
    await polite.closedPromise;
    const rude = await raw();
    await rude.connectMqtt("a2", { will });
    rude.end(); // no DISCONNECT
    await until(() => seen.length > 0);
    expect(seen).toEqual(["a died"]);
  });

  test("v5 DISCONNECT 0x04 sends the will, and a will delay holds it until the delay passes", async () => {
    await kit.start();
    const w = await client({ clientId: "watch" });
    const seen: string[] = [];
    w.on("message", (_t, p) => seen.push(p.toString()));
    await w.subscribeAsync("w/#");
    const r = await raw(5);
    await r.connectMqtt("x", { will: { topic: "w/x", payload: Buffer.from("asked"), qos: 0, retain: false } });
    r.send({ cmd: "disconnect", reasonCode: 0x04 });
    await until(() => seen.length === 1);
    const d = await raw(5);
    await d.connectMqtt("y", {
      clean: false,
      properties: { sessionExpiryInterval: 10 },
      will: { topic: "w/y", payload: Buffer.from("late"), qos: 0, retain: false, properties: { willDelayInterval: 1 } },
    });
    const t0 = Date.now();
    d.end();
    await until(() => seen.length === 2, 3000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(seen).toEqual(["asked", "late"]);
  });

  test("keepalive: a silent client is closed after 1.5x keepalive and its will is sent", async () => {
    await kit.start();
    const w = await client({ clientId: "watch" });
    const got = nextMessage(w);
    await w.subscribeAsync("ka");
    const r = await raw(5);
    await r.connectMqtt("sleepy", {
      keepalive: 1,
      will: { topic: "ka", payload: Buffer.from("timeout"), qos: 0, retain: false },
    });
    const d = (await r.next("disconnect", 4000)) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x8d);
    expect((await got).payload).toBe("timeout");
  });
});
