// Retained messages are capped (count, bytes, bytes per client): past a cap a v5
// publisher gets PUBACK 0x97 and nothing is delivered; 3.1.1 and QoS 0 messages are
// delivered but not kept.
import { afterEach, expect, test } from "bun:test";
import type { IPubackPacket, IPublishPacket } from "mqtt-packet";
import { RawClient, startBroker, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.end();
  await tb?.stop();
  tb = null;
});
async function raw(version: 4 | 5, id: string): Promise<RawClient> {
  const r = await RawClient.connect(tb!.port, version);
  raws.push(r);
  await r.connectMqtt(id);
  return r;
}
let mid = 1;
async function retain(r: RawClient, topic: string, bytes: number): Promise<number> {
  const messageId = mid++;
  r.send({ cmd: "publish", topic, payload: Buffer.alloc(bytes, 0x61), qos: 1, messageId, retain: true, dup: false });
  const ack = (await r.next("puback")) as IPubackPacket;
  expect(ack.messageId).toBe(messageId);
  return ack.reasonCode ?? 0;
}

test("per client: past Mqtt.MaxRetainedBytesPerClient a v5 PUBLISH gets 0x97 and is not delivered; others still retain", async () => {
  tb = await startBroker({ retained: { maxMessages: 100, maxBytes: 100_000, maxBytesPerOwner: 2_500 } });
  const watcher = await raw(4, "watch");
  watcher.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "r/#", qos: 0 }] });
  await watcher.next("suback");
  const a = await raw(5, "a");
  expect(await retain(a, "r/1", 1000)).toBe(0);
  expect(await retain(a, "r/2", 1000)).toBe(0);
  expect(await retain(a, "r/3", 1000)).toBe(0x97);
  expect(await retain(a, "r/1", 1200)).toBe(0); // replacing its own message fits
  const b = await raw(5, "b");
  expect(await retain(b, "r/b", 1000)).toBe(0);
  watcher.send({ cmd: "pingreq" });
  await watcher.next("pingresp");
  const seen = watcher.packets.filter((p) => p.cmd === "publish").map((p) => (p as IPublishPacket).topic);
  expect(seen).toEqual(["r/1", "r/2", "r/1", "r/b"]);
  expect(tb.broker.stats().retained).toBe(3);
});

test("in all: Mqtt.MaxRetainedMessages and MaxRetainedBytes; clearing frees room", async () => {
  tb = await startBroker({ retained: { maxMessages: 2, maxBytes: 100_000, maxBytesPerOwner: 100_000 } });
  const a = await raw(5, "a");
  expect(await retain(a, "m/1", 10)).toBe(0);
  expect(await retain(a, "m/2", 10)).toBe(0);
  expect(await retain(a, "m/3", 10)).toBe(0x97);
  expect(await retain(a, "m/1", 0)).toBe(0); // an empty retained message clears m/1
  expect(await retain(a, "m/3", 10)).toBe(0);
});

test("a 3.1.1 publisher over the cap is acknowledged and its message delivered, but not kept", async () => {
  tb = await startBroker({ retained: { maxMessages: 1, maxBytes: 100_000, maxBytesPerOwner: 100_000 } });
  const old = await raw(4, "old");
  expect(await retain(old, "v/1", 10)).toBe(0);
  expect(await retain(old, "v/2", 10)).toBe(0);
  const late = await raw(4, "late");
  late.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "v/#", qos: 0 }] });
  await late.next("suback");
  late.send({ cmd: "pingreq" });
  await late.next("pingresp");
  expect(late.packets.filter((p) => p.cmd === "publish").map((p) => (p as IPublishPacket).topic)).toEqual(["v/1"]);
});
