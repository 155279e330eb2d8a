import { afterEach, describe, expect, test } from "bun:test";
import mqtt, { type MqttClient } from "mqtt";
import type {
  IConnackPacket,
  IPublishPacket,
  ISubackPacket,
  IUnsubackPacket,
  IPubackPacket,
  IDisconnectPacket,
} from "mqtt-packet";
import { RawClient, allowAll, startBroker, until, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
const opened: MqttClient[] = [];
const raws: RawClient[] = [];

afterEach(async () => {
  for (const c of opened.splice(0)) c.end(true);
  for (const r of raws.splice(0)) r.end();
  await tb?.stop();
  tb = null;
});

async function client(opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(tb!.url, { reconnectPeriod: 0, ...opts });
  opened.push(c);
  return c;
}
async function raw(version: 3 | 4 | 5 = 4): Promise<RawClient> {
  const r = await RawClient.connect(tb!.port, version);
  raws.push(r);
  return r;
}
function nextMessage(c: MqttClient): Promise<{ topic: string; payload: string; packet: IPublishPacket }> {
  return new Promise((resolve) =>
    c.once("message", (topic, payload, packet) => resolve({ topic, payload: payload.toString(), packet })),
  );
}

describe("publish and subscribe", () => {
  test("QoS 0, 1 and 2 messages reach a wildcard subscriber for MQTT 3.1, 3.1.1 and 5", async () => {
    tb = await startBroker();
    for (const v of [3, 4, 5] as const) {
      const sub = await client({ protocolVersion: v, clientId: `sub${v}` });
      await sub.subscribeAsync("sensors/+/temp", { qos: 2 });
      const pub = await client({ protocolVersion: v, clientId: `pub${v}` });
      for (const qos of [0, 1, 2] as const) {
        const got = nextMessage(sub);
        await pub.publishAsync(`sensors/s${qos}/temp`, `v${qos}`, { qos });
        const m = await got;
        expect(m.topic).toBe(`sensors/s${qos}/temp`);
        expect(m.payload).toBe(`v${qos}`);
        expect(m.packet.qos).toBe(qos);
      }
    }
  });

  test("delivery QoS is the minimum of the published and the granted QoS", async () => {
    tb = await startBroker();
    const sub = await client({ clientId: "s" });
    await sub.subscribeAsync("t", { qos: 1 });
    const pub = await client();
    const got = nextMessage(sub);
    await pub.publishAsync("t", "x", { qos: 2 });
    expect((await got).packet.qos).toBe(1);
  });

  test("messages from one publisher arrive in order", async () => {
    tb = await startBroker();
    const sub = await client({ clientId: "s" });
    await sub.subscribeAsync("seq", { qos: 1 });
    const got: number[] = [];
    sub.on("message", (_t, p) => got.push(Number(p.toString())));
    const pub = await client();
    for (let i = 0; i < 200; i++) pub.publish("seq", String(i), { qos: (i % 3) as 0 | 1 | 2 });
    await until(() => got.length === 200);
    expect(got).toEqual([...Array(200).keys()]);
  });

  test("# does not match $-topics, but $SYS/# does", async () => {
    tb = await startBroker({ sysIntervalMs: 60_000 });
    const all = await client({ clientId: "all" });
    const sys = await client({ clientId: "sys" });
    const seen: string[] = [];
    all.on("message", (t) => seen.push(t));
    await all.subscribeAsync("#");
    const gotSys = nextMessage(sys);
    await sys.subscribeAsync("$SYS/#");
    expect((await gotSys).topic.startsWith("$SYS/broker/")).toBe(true);
    const marker = nextMessage(all);
    (await client()).publish("plain", "x");
    expect((await marker).topic).toBe("plain");
    expect(seen.every((t) => !t.startsWith("$"))).toBe(true);
  });

  test("an invalid filter gets SUBACK 0x80 in 3.1.1 and 0x8F in 5", async () => {
    tb = await startBroker();
    const r4 = await raw(4);
    await r4.connectMqtt("r4");
    r4.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [
        { topic: "a/#/b", qos: 0 },
        { topic: "ok/+", qos: 1 },
      ],
    });
    expect(((await r4.next("suback")) as ISubackPacket).granted).toEqual([0x80, 1]);
    const r5 = await raw(5);
    await r5.connectMqtt("r5");
    r5.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a+", qos: 0 }] });
    expect(((await r5.next("suback")) as ISubackPacket).granted).toEqual([0x8f]);
  });

  test("unsubscribe stops delivery and v5 UNSUBACK reports filters that did not exist", async () => {
    tb = await startBroker();
    const r = await raw(5);
    await r.connectMqtt("u");
    r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "x", qos: 0 }] });
    await r.next("suback");
    r.send({ cmd: "unsubscribe", messageId: 2, unsubscriptions: ["x", "never"] });
    expect(((await r.next("unsuback")) as IUnsubackPacket).granted).toEqual([0x00, 0x11]);
    tb.broker.publish({ topic: "x", payload: "gone" });
    r.send({ cmd: "pingreq" });
    await r.next("pingresp");
    expect(r.packets.some((p) => p.cmd === "publish")).toBe(false);
  });

  test("shared subscriptions deliver each message to one member of the group, round robin", async () => {
    tb = await startBroker();
    const counts = [0, 0, 0];
    const members = await Promise.all([0, 1, 2].map((i) => client({ clientId: `m${i}`, protocolVersion: 5 })));
    members.forEach((m, i) => m.on("message", () => counts[i]!++));
    await Promise.all(members.map((m) => m.subscribeAsync("$share/g/jobs/#", { qos: 1 })));
    const pub = await client();
    for (let i = 0; i < 30; i++) await pub.publishAsync("jobs/a", String(i), { qos: 1 });
    await until(() => counts.reduce((a, b) => a + b) === 30);
    expect(counts).toEqual([10, 10, 10]);
  });

  test("v5 No Local keeps a client's own messages from coming back", async () => {
    tb = await startBroker();
    const c = await client({ protocolVersion: 5, clientId: "nl" });
    const seen: string[] = [];
    c.on("message", (_t, p) => seen.push(p.toString()));
    await c.subscribeAsync("echo", { qos: 0, nl: true });
    await c.publishAsync("echo", "mine", { qos: 1 });
    const other = await client();
    await other.publishAsync("echo", "theirs", { qos: 1 });
    await until(() => seen.length > 0);
    expect(seen).toEqual(["theirs"]);
  });

  test("v5 subscription identifiers come back on matching messages", async () => {
    tb = await startBroker();
    const c = await client({ protocolVersion: 5, clientId: "sid" });
    await c.subscribeAsync("a/+", { qos: 0, properties: { subscriptionIdentifier: 7 } });
    await c.subscribeAsync("a/#", { qos: 0, properties: { subscriptionIdentifier: 9 } });
    const got = nextMessage(c);
    tb.broker.publish({ topic: "a/b", payload: "x" });
    const ids = (await got).packet.properties?.subscriptionIdentifier;
    expect([ids].flat().sort()).toEqual([7, 9]);
  });

  test("v5 properties pass through to the subscriber unchanged", async () => {
    tb = await startBroker();
    const sub = await client({ protocolVersion: 5, clientId: "p" });
    await sub.subscribeAsync("req", { qos: 1 });
    const pub = await client({ protocolVersion: 5 });
    const got = nextMessage(sub);
    await pub.publishAsync("req", "{}", {
      qos: 1,
      properties: {
        responseTopic: "resp/1",
        correlationData: Buffer.from("c0ffee"),
        userProperties: { format: "json", k: ["a", "b"] },
        contentType: "application/json",
        payloadFormatIndicator: true,
      },
    });
    const p = (await got).packet.properties!;
    expect(p.responseTopic).toBe("resp/1");
    expect(p.correlationData?.toString()).toBe("c0ffee");
    expect(p.userProperties).toEqual({ format: "json", k: ["a", "b"] });
    expect(p.contentType).toBe("application/json");
    expect(p.payloadFormatIndicator).toBe(true);
  });

  test("an inbound v5 topic alias is resolved for later publishes", async () => {
    tb = await startBroker();
    const sub = await client({ clientId: "s" });
    const got: string[] = [];
    sub.on("message", (t, p) => got.push(`${t}=${p}`));
    await sub.subscribeAsync("long/topic/name");
    const r = await raw(5);
    await r.connectMqtt("alias");
    r.send({
      cmd: "publish",
      topic: "long/topic/name",
      payload: "1",
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 3 },
    });
    r.send({
      cmd: "publish",
      topic: "",
      payload: "2",
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 3 },
    });
    await until(() => got.length === 2);
    expect(got).toEqual(["long/topic/name=1", "long/topic/name=2"]);
  });

  test("an unknown topic alias disconnects a v5 client with a protocol error", async () => {
    tb = await startBroker();
    const r = await raw(5);
    await r.connectMqtt("alias");
    r.send({
      cmd: "publish",
      topic: "",
      payload: "2",
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 5 },
    });
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x82);
    await r.closedPromise;
  });

  test("a PUBLISH with a wildcard topic disconnects a v5 client with 0x90", async () => {
    tb = await startBroker();
    const r = await raw(5);
    await r.connectMqtt("bad");
    r.send({ cmd: "publish", topic: "a/+", payload: "x", qos: 0, dup: false, retain: false });
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x90);
  });
});

describe("retained messages", () => {
  test("a new subscriber gets the retained message with the retain flag, and an empty payload clears it", async () => {
    tb = await startBroker();
    const pub = await client();
    await pub.publishAsync("state/door", "open", { qos: 1, retain: true });
    const s1 = await client({ clientId: "s1" });
    const got = nextMessage(s1);
    await s1.subscribeAsync("state/+", { qos: 1 });
    const m = await got;
    expect(m.payload).toBe("open");
    expect(m.packet.retain).toBe(true);
    await pub.publishAsync("state/door", "", { qos: 1, retain: true });
    expect(tb.broker.stats().retained).toBe(0);
    const s2 = await raw();
    await s2.connectMqtt("s2");
    s2.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "state/#", qos: 0 }] });
    await s2.next("suback");
    s2.send({ cmd: "pingreq" });
    await s2.next("pingresp");
    expect(s2.packets.some((p) => p.cmd === "publish")).toBe(false);
  });

  test("live messages to existing subscribers carry retain=0 unless v5 retain-as-published", async () => {
    tb = await startBroker();
    const plain = await client({ protocolVersion: 5, clientId: "plain" });
    const rap = await client({ protocolVersion: 5, clientId: "rap" });
    await plain.subscribeAsync("r", { qos: 0 });
    await rap.subscribeAsync("r", { qos: 0, rap: true });
    const a = nextMessage(plain);
    const b = nextMessage(rap);
    tb.broker.publish({ topic: "r", payload: "x", retain: true });
    expect((await a).packet.retain).toBe(false);
    expect((await b).packet.retain).toBe(true);
  });

  test("v5 retain handling 2 sends no retained messages and 1 only for a new subscription", async () => {
    tb = await startBroker();
    tb.broker.publish({ topic: "rh", payload: "kept", retain: true });
    const r = await raw(5);
    await r.connectMqtt("rh");
    r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "rh", qos: 0, rh: 2 }] });
    await r.next("suback");
    r.send({ cmd: "subscribe", messageId: 2, subscriptions: [{ topic: "rh", qos: 0, rh: 1 }] }); // replaces: not new
    await r.next("suback");
    r.send({ cmd: "subscribe", messageId: 3, subscriptions: [{ topic: "rh/#", qos: 0, rh: 1 }] }); // new
    await r.next("suback");
    const p = (await r.next("publish")) as IPublishPacket;
    expect(p.topic).toBe("rh");
    r.send({ cmd: "pingreq" });
    await r.next("pingresp");
    expect(r.packets.filter((x) => x.cmd === "publish")).toHaveLength(0);
  });
});

describe("sessions and QoS flows", () => {
  test("a persistent session keeps subscriptions and queued QoS 1 messages across reconnect", async () => {
    tb = await startBroker();
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

  test("unacknowledged QoS 1 and QoS 2 messages are resent with DUP after reconnect", async () => {
    tb = await startBroker();
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
    await until(() => tb!.broker.stats().connected === 0);
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
    await until(() => tb!.broker.stats().connected === 0);
    const r3 = await raw();
    await r3.connectMqtt("dup", { clean: false });
    const rel = await r3.next();
    expect(rel?.cmd).toBe("publish"); // the QoS 1 message (never acked) comes first
    expect((await r3.next())?.cmd).toBe("pubrel");
  });

  test("an inbound QoS 2 message resent before PUBREL is delivered only once", async () => {
    tb = await startBroker();
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
    tb = await startBroker();
    const a = await client({ clientId: "c", clean: false });
    await a.subscribeAsync("x");
    await a.endAsync();
    const r = await raw();
    expect(((await r.connectMqtt("c", { clean: true })) as IConnackPacket).sessionPresent).toBe(false);
    expect(tb.broker.stats().subscriptions).toBe(0);
  });

  test("v5 honours the client's Receive Maximum for QoS 1 in flight", async () => {
    tb = await startBroker();
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
    tb = await startBroker();
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
    tb = await startBroker();
    const old = await raw(5);
    await old.connectMqtt("same");
    const fresh = await raw(5);
    await fresh.connectMqtt("same");
    expect(((await old.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x8e);
    await old.closedPromise;
    expect(tb.broker.clients().map((c) => c.id)).toEqual(["same"]);
  });

  test("an empty client id gets an assigned one in v5 and is refused for a persistent 3.1.1 session", async () => {
    tb = await startBroker();
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
    tb = await startBroker();
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
    tb = await startBroker();
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
    tb = await startBroker();
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

describe("hooks", () => {
  test("authentication failure is a CONNACK with the mapped code, and identity lands in ClientRef", async () => {
    tb = await startBroker({
      hooks: {
        ...allowAll,
        authenticate: (req) =>
          req.username === "good" ? { ok: true, identity: "dev-7", meta: { k: 1 } } : { ok: false, reasonCode: 0x87 },
      },
    });
    const bad4 = await raw(4);
    expect(((await bad4.connectMqtt("b", { username: "nope" })) as IConnackPacket).returnCode).toBe(5);
    await bad4.closedPromise;
    const bad5 = await raw(5);
    expect(((await bad5.connectMqtt("b", { username: "nope" })) as IConnackPacket).reasonCode).toBe(0x87);
    const ok = await raw(5);
    await ok.connectMqtt("g", { username: "good" });
    expect(tb.broker.clients()).toEqual([
      {
        id: "g",
        identity: "dev-7",
        meta: { k: 1 },
        protocolVersion: 5,
        peer: { transport: "tcp", remoteAddress: "127.0.0.1" },
      },
    ]);
  });

  test("a session remembers whose it is while its client is away; discardSession ends only offline ones and sends a delayed will", async () => {
    tb = await startBroker({
      hooks: { ...allowAll, authenticate: (req) => ({ ok: true, identity: req.username ?? "" }) },
    });
    const w = await client({ clientId: "watcher", username: "w" });
    await w.subscribeAsync("wills/#", { qos: 1 });
    const a = await client({
      clientId: "parked",
      username: "owner-a",
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      will: {
        topic: "wills/parked",
        payload: Buffer.from("gone"),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 300 },
      },
    });
    expect(tb.broker.session("parked")).toEqual({ owner: "owner-a", connected: true });
    expect(tb.broker.discardSession("parked")).toBe(false); // connected: not ours to end
    (a as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until(() => tb!.broker.session("parked")?.connected === false);
    expect([...tb.broker.offlineSessions()]).toEqual([{ clientId: "parked", owner: "owner-a", meta: undefined }]);
    const will = nextMessage(w);
    expect(tb.broker.discardSession("parked")).toBe(true);
    expect((await will).payload).toBe("gone");
    expect(tb.broker.session("parked")).toBeUndefined();
    expect(tb.broker.discardSession("parked")).toBe(false);
  });

  test("a v5 CONNECT asking for enhanced authentication gets CONNACK 0x8C and is closed, even when the hook would accept it", async () => {
    tb = await startBroker();
    const r = await raw(5);
    const ack = (await r.connectMqtt("scram", {
      properties: { authenticationMethod: "SCRAM-SHA-1", authenticationData: Buffer.from("x") },
    })) as IConnackPacket;
    expect(ack.reasonCode).toBe(0x8c);
    await r.closedPromise;
    expect(tb.broker.clients()).toEqual([]);
  });

  test("denied publishes get PUBACK 0x87 in v5 and a plain PUBACK in 3.1.1, and are not routed", async () => {
    tb = await startBroker({
      hooks: { ...allowAll, authorizePublish: (_c, t) => !t.startsWith("$SYS") && t !== "secret" },
    });
    const sub = await client({ clientId: "s" });
    const seen: string[] = [];
    sub.on("message", (t) => seen.push(t));
    await sub.subscribeAsync("#");
    const r5 = await raw(5);
    await r5.connectMqtt("p5");
    r5.send({ cmd: "publish", topic: "secret", payload: "x", qos: 1, messageId: 1, dup: false, retain: false });
    expect(((await r5.next("puback")) as IPubackPacket).reasonCode).toBe(0x87);
    const r4 = await raw(4);
    await r4.connectMqtt("p4");
    r4.send({ cmd: "publish", topic: "secret", payload: "x", qos: 1, messageId: 1, dup: false, retain: false });
    expect((await r4.next("puback"))?.messageId).toBe(1);
    r4.send({ cmd: "publish", topic: "open", payload: "x", qos: 1, messageId: 2, dup: false, retain: false });
    await until(() => seen.length === 1);
    expect(seen).toEqual(["open"]);
  });

  test("denied subscriptions get 0x80 in 3.1.1 and 0x87 in v5", async () => {
    tb = await startBroker({ hooks: { ...allowAll, authorizeSubscribe: (_c, f) => f !== "no" } });
    const r4 = await raw(4);
    await r4.connectMqtt("a");
    r4.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [
        { topic: "no", qos: 1 },
        { topic: "yes", qos: 1 },
      ],
    });
    expect(((await r4.next("suback")) as ISubackPacket).granted).toEqual([0x80, 1]);
    const r5 = await raw(5);
    await r5.connectMqtt("b");
    r5.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "no", qos: 1 }] });
    expect(((await r5.next("suback")) as ISubackPacket).granted).toEqual([0x87]);
  });

  test("onPublish is awaited before the PUBACK, its reason code is used, handled messages are not routed, order is kept", async () => {
    const calls: string[] = [];
    const gates: (() => void)[] = [];
    tb = await startBroker({
      hooks: {
        ...allowAll,
        onPublish: async (_c, m) => {
          calls.push(m.topic);
          if (m.topic === "db/slow") await new Promise<void>((r) => gates.push(r));
          return m.topic.startsWith("db/")
            ? { handled: true, reasonCode: m.payload.toString() === "bad" ? 0x99 : 0 }
            : { handled: false };
        },
      },
    });
    const sub = await client({ clientId: "s" });
    const seen: string[] = [];
    sub.on("message", (t) => seen.push(t));
    await sub.subscribeAsync("#");
    const r = await raw(5);
    await r.connectMqtt("w");
    r.send({ cmd: "publish", topic: "db/slow", payload: "ok", qos: 1, messageId: 1, dup: false, retain: false });
    r.send({ cmd: "publish", topic: "db/x", payload: "bad", qos: 1, messageId: 2, dup: false, retain: false });
    r.send({ cmd: "publish", topic: "plain", payload: "p", qos: 1, messageId: 3, dup: false, retain: false });
    await until(() => gates.length === 1 && calls.length === 3);
    expect(r.packets.filter((p) => p.cmd === "puback")).toHaveLength(0); // all wait behind the slow one
    gates[0]!();
    const acks = [await r.next("puback"), await r.next("puback"), await r.next("puback")] as IPubackPacket[];
    expect(acks.map((a) => [a.messageId, a.reasonCode ?? 0])).toEqual([
      [1, 0],
      [2, 0x99],
      [3, 0],
    ]);
    await until(() => seen.length === 1);
    expect(seen).toEqual(["plain"]);
  });

  test("disconnect() sends a v5 client DISCONNECT with the given reason code", async () => {
    tb = await startBroker();
    const r = await raw(5);
    await r.connectMqtt("kick");
    expect(tb.broker.disconnect("kick", 0x98)).toBe(true);
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x98);
    await r.closedPromise;
    expect(tb.broker.disconnect("kick", 0x98)).toBe(false);
  });

  test("close() sends v5 clients DISCONNECT 0x8B", async () => {
    tb = await startBroker();
    const r = await raw(5);
    await r.connectMqtt("bye");
    await tb.broker.close();
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x8b);
    await r.closedPromise;
  });
});
