import { afterEach, expect, test } from "bun:test";
import { deserialize, serialize } from "bun:jsc";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { RawClient, allowAll, startBroker, until, type TestBroker } from "./test-support.ts";
import type { BrokerState } from "./state.ts";

const brokers: TestBroker[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.end();
  for (const b of brokers.splice(0)) await b.stop();
});

async function broker(identity?: string): Promise<TestBroker> {
  const b = await startBroker(identity ? { hooks: { ...allowAll, authenticate: () => ({ ok: true, identity }) } } : {});
  brokers.push(b);
  return b;
}
async function raw(b: TestBroker, version: 4 | 5 = 4): Promise<RawClient> {
  const r = await RawClient.connect(b.port, version);
  raws.push(r);
  return r;
}
/** what a restart does with the state: through the serializer the app uses */
const roundTrip = (st: BrokerState) => deserialize(serialize(st, { binaryType: "nodebuffer" })) as BrokerState;

test("retained messages, subscriptions, in-flight and queued messages and the owner survive export and import", async () => {
  const a = await broker("owner-1");
  const r1 = await raw(a, 5);
  await r1.connectMqtt("dev", { clean: false, properties: { sessionExpiryInterval: 3600 } });
  r1.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "cmd/#", qos: 2 }] });
  await r1.next("suback");
  a.broker.publish({ topic: "cmd/1", payload: "in flight", qos: 1 });
  const first = (await r1.next("publish")) as IPublishPacket;
  r1.end(); // gone without acking
  await r1.closedPromise;
  await until(() => a.broker.stats().connected === 0);
  a.broker.publish({
    topic: "cmd/2",
    payload: "queued",
    qos: 2,
    properties: { correlationData: Buffer.from([1, 2, 3]) },
  });
  a.broker.publish({ topic: "state/lamp", payload: "on", qos: 1, retain: true });
  a.broker.publish({
    topic: "state/short",
    payload: "x",
    qos: 0,
    retain: true,
    properties: { messageExpiryInterval: 1 },
  });

  const saved = roundTrip(a.broker.exportState());
  expect(saved.retained.map((m) => m.topic).sort()).toEqual(["state/lamp", "state/short"]);
  expect(saved.sessions.map((s) => [s.id, s.owner, s.subscriptions.length, s.inflight.length, s.queue.length])).toEqual(
    [["dev", "owner-1", 1, 1, 1]],
  );

  const b = await broker("owner-1");
  const res = b.broker.importState(saved);
  expect(res).toEqual({ retained: 2, sessions: 1, skipped: 0 });
  expect(b.broker.session("dev")).toEqual({ owner: "owner-1", connected: false });

  const r2 = await raw(b, 5);
  const ack = (await r2.connectMqtt("dev", {
    clean: false,
    properties: { sessionExpiryInterval: 3600 },
  })) as IConnackPacket;
  expect(ack.sessionPresent).toBe(true);
  const again = (await r2.next("publish")) as IPublishPacket;
  expect([again.topic, again.payload.toString(), again.dup, again.messageId]).toEqual([
    "cmd/1",
    "in flight",
    true,
    first.messageId,
  ]);
  r2.send({ cmd: "puback", messageId: again.messageId! });
  const queued = (await r2.next("publish")) as IPublishPacket;
  expect([queued.topic, queued.payload.toString(), queued.qos]).toEqual(["cmd/2", "queued", 2]);
  expect(Buffer.from(queued.properties!.correlationData!)).toEqual(Buffer.from([1, 2, 3]));
  expect(queued.messageId).not.toBe(first.messageId);
  // the subscription came back too
  b.broker.publish({ topic: "cmd/3", payload: "live", qos: 1 });
  r2.send({ cmd: "pubrec", messageId: queued.messageId! });
  await r2.next("pubrel");
  expect(((await r2.next("publish")) as IPublishPacket).topic).toBe("cmd/3");

  const sub = await raw(b);
  await sub.connectMqtt("reader");
  sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "state/lamp", qos: 1 }] });
  const ret = (await sub.next("publish")) as IPublishPacket;
  expect([ret.topic, ret.payload.toString(), ret.retain]).toEqual(["state/lamp", "on", true]);
});

test("sessions that expired while the broker was down, clean sessions and expired messages are left out", async () => {
  const a = await broker();
  const clean = await raw(a);
  await clean.connectMqtt("clean-one");
  const r = await raw(a, 5);
  await r.connectMqtt("short", { clean: false, properties: { sessionExpiryInterval: 1 } });
  r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "s/#", qos: 1 }] });
  await r.next("suback");
  r.end();
  await r.closedPromise;
  await until(() => a.broker.stats().connected === 1);
  a.broker.publish({ topic: "s/1", payload: "expires", qos: 1, properties: { messageExpiryInterval: 1 } });
  const st = a.broker.exportState();
  expect(st.sessions.map((s) => s.id)).toEqual(["short"]); // the clean session ends with its connection
  const later = { ...st, sessions: st.sessions.map((s) => ({ ...s, offlineSince: s.offlineSince - 2000 })) };
  const b = await broker();
  expect(b.broker.importState(later)).toEqual({ retained: 0, sessions: 0, skipped: 1 });
  expect(b.broker.session("short")).toBeUndefined();
});

test("an entry that does not make sense is skipped, the rest is restored, and no half session stays subscribed", async () => {
  const a = await broker();
  const r = await raw(a);
  await r.connectMqtt("good", { clean: false });
  r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "g/#", qos: 1 }] });
  await r.next("suback");
  const st = a.broker.exportState();
  const good = st.sessions[0]!;
  const bad = {
    ...good,
    id: "bad",
    subscriptions: [
      { ...good.subscriptions[0]!, clientId: "bad", raw: "ok/#", filter: "ok/#" },
      { ...good.subscriptions[0]!, clientId: "bad", raw: "a/#/b", filter: "a/#/b" },
    ],
  };
  const b = await broker();
  const res = b.broker.importState({
    ...st,
    sessions: [bad, good],
    retained: [{ topic: "a/+", payload: Buffer.from("x"), qos: 0, retain: true }],
  });
  expect(res).toEqual({ retained: 0, sessions: 1, skipped: 2 });
  expect(b.broker.session("bad")).toBeUndefined();
  expect(b.broker.stats().subscriptions).toBe(1);
  expect(() => b.broker.importState({ ...st, version: 99 })).toThrow("state version 99");
});
