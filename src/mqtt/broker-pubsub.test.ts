import { describe, expect, test } from "bun:test";
import type { IPublishPacket, ISubackPacket, IUnsubackPacket, IDisconnectPacket } from "mqtt-packet";
import { brokerKit } from "./broker-kit.ts";
import { until } from "./test-support.ts";

const kit = brokerKit();
const { client, raw, nextMessage } = kit;

describe("publish and subscribe", () => {
  test("QoS 0, 1 and 2 messages reach a wildcard subscriber for MQTT 3.1, 3.1.1 and 5", async () => {
    await kit.start();
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
    await kit.start();
    const sub = await client({ clientId: "s" });
    await sub.subscribeAsync("t", { qos: 1 });
    const pub = await client();
    const got = nextMessage(sub);
    await pub.publishAsync("t", "x", { qos: 2 });
    expect((await got).packet.qos).toBe(1);
  });

  test("messages from one publisher arrive in order", async () => {
    await kit.start();
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
    await kit.start({ sysIntervalMs: 60_000 });
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
    await kit.start();
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
    const tb = await kit.start();
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
    await kit.start();
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
    await kit.start();
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
    const tb = await kit.start();
    const c = await client({ protocolVersion: 5, clientId: "sid" });
    await c.subscribeAsync("a/+", { qos: 0, properties: { subscriptionIdentifier: 7 } });
    await c.subscribeAsync("a/#", { qos: 0, properties: { subscriptionIdentifier: 9 } });
    const got = nextMessage(c);
    tb.broker.publish({ topic: "a/b", payload: "x" });
    const ids = (await got).packet.properties?.subscriptionIdentifier;
    expect([ids].flat().sort()).toEqual([7, 9]);
  });

  test("v5 properties pass through to the subscriber unchanged", async () => {
    await kit.start();
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
    await kit.start();
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
    await kit.start();
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
    await kit.start();
    const r = await raw(5);
    await r.connectMqtt("bad");
    r.send({ cmd: "publish", topic: "a/+", payload: "x", qos: 0, dup: false, retain: false });
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x90);
  });
});

describe("retained messages", () => {
  test("a new subscriber gets the retained message with the retain flag, and an empty payload clears it", async () => {
    const tb = await kit.start();
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
    const tb = await kit.start();
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
    const tb = await kit.start();
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
