import { describe, expect, test } from "bun:test";
import type { IConnackPacket, ISubackPacket, IPubackPacket, IDisconnectPacket } from "mqtt-packet";
import { brokerKit } from "./broker-kit.ts";
import { allowAll, until } from "./test-support.ts";

const kit = brokerKit();
const { client, raw, nextMessage } = kit;

describe("hooks", () => {
  test("authentication failure is a CONNACK with the mapped code, and identity lands in ClientRef", async () => {
    const tb = await kit.start({
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
    expect(
      tb.broker.clients().map(({ id, identity, meta, protocolVersion, peer }) => ({
        id,
        identity,
        meta,
        protocolVersion,
        peer: { transport: peer.transport, remoteAddress: peer.remoteAddress, listener: peer.listener },
      })),
    ).toEqual([
      {
        id: "g",
        identity: "dev-7",
        meta: { k: 1 },
        protocolVersion: 5,
        peer: { transport: "tcp", remoteAddress: "127.0.0.1", listener: undefined },
      },
    ]);
  });

  test("a session remembers whose it is while its client is away; discardSession ends only offline ones and sends a delayed will", async () => {
    const tb = await kit.start({
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
    await until(() => tb.broker.session("parked")?.connected === false);
    expect([...tb.broker.offlineSessions()]).toEqual([{ clientId: "parked", owner: "owner-a", meta: undefined }]);
    const will = nextMessage(w);
    expect(tb.broker.discardSession("parked")).toBe(true);
    expect((await will).payload).toBe("gone");
    expect(tb.broker.session("parked")).toBeUndefined();
    expect(tb.broker.discardSession("parked")).toBe(false);
  });

  test("a v5 CONNECT asking for enhanced authentication gets CONNACK 0x8C and is closed, even when the hook would accept it", async () => {
    const tb = await kit.start();
    const r = await raw(5);
    const ack = (await r.connectMqtt("scram", {
      properties: { authenticationMethod: "SCRAM-SHA-1", authenticationData: Buffer.from("x") },
    })) as IConnackPacket;
    expect(ack.reasonCode).toBe(0x8c);
    await r.closedPromise;
    expect(tb.broker.clients()).toEqual([]);
  });

  test("denied publishes get PUBACK 0x87 in v5 and a plain PUBACK in 3.1.1, and are not routed", async () => {
    await kit.start({
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
    await kit.start({ hooks: { ...allowAll, authorizeSubscribe: (_c, f) => f !== "no" } });
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
    await kit.start({
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
    const tb = await kit.start();
    const r = await raw(5);
    await r.connectMqtt("kick");
    expect(tb.broker.disconnect("kick", 0x98)).toBe(true);
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x98);
    await r.closedPromise;
    expect(tb.broker.disconnect("kick", 0x98)).toBe(false);
  });

  test("close() sends v5 clients DISCONNECT 0x8B", async () => {
    const tb = await kit.start();
    const r = await raw(5);
    await r.connectMqtt("bye");
    await tb.broker.close();
    expect(((await r.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x8b);
    await r.closedPromise;
  });
});
