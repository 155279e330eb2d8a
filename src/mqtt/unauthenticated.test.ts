// Before its CONNECT is accepted a connection may hold only a small packet, all such
// connections (and the sockets waiting in line for room) together a bounded budget, and reassembling a CONNECT costs time linear in
// its bytes however it is split.
import { afterEach, expect, test } from "bun:test";
import type { IConnackPacket } from "mqtt-packet";
import mqttPacket from "mqtt-packet";
import type { BrokerOptions } from "./broker-types.ts";
import { WAITING_OVERHEAD } from "./admission.ts";
import { UNAUTHENTICATED_OVERHEAD } from "./unauth-budget.ts";
import { RawClient, startBroker, type TestBroker, until } from "./test-support.ts";

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
const core = () => (tb!.broker as unknown as { core: { unauthenticatedBytes: number } }).core;

function connectBytes(clientId: string, passwordBytes = 0): Buffer {
  return mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clientId,
    clean: true,
    keepalive: 0,
    username: "u",
    ...(passwordBytes > 0 ? { password: Buffer.alloc(passwordBytes, 0x70) } : {}),
  });
}

async function start(opts: Partial<BrokerOptions>): Promise<void> {
  tb = await startBroker(opts);
}

test("a CONNECT declaring more than Mqtt.MaxConnectSize is closed at its header, before its body is buffered", async () => {
  await start({ maxConnectSize: 64 * 1024 });
  const r = await raw();
  // CONNECT, remaining length 1,000,000 (varint c0 84 3d), then the first bytes only
  r.write(Buffer.concat([Buffer.from([0x10, 0xc0, 0x84, 0x3d]), connectBytes("big").subarray(2), Buffer.alloc(1000)]));
  await r.closedPromise;
  expect(core().unauthenticatedBytes).toBe(0);
  // a CONNECT under the limit is fine, and so is a big PUBLISH once connected
  const ok = await raw();
  expect(((await ok.connectMqtt("ok")) as IConnackPacket).returnCode).toBe(0);
});

test("past Mqtt.MaxUnauthenticatedBytes a socket waits unread, past the line's own bound one is refused, and the waiting start once the holders leave", async () => {
  const budget = 16 * UNAUTHENTICATED_OVERHEAD + 8 * 4096;
  await start({ maxConnectSize: 8192, maxUnauthenticatedBytes: budget });
  // holders: each an unfinished 8 KB CONNECT, 1 KB in (within its 4 KB overhead): 24 fill the budget
  const holders: RawClient[] = [];
  for (let i = 0; i < budget / UNAUTHENTICATED_OVERHEAD; i++) {
    const r = await raw();
    r.write(connectBytes(`h${i}`, 7000).subarray(0, 1024));
    holders.push(r);
  }
  await until(() => core().unauthenticatedBytes === budget, 3000, "budget spent");
  // a whole CONNECT now waits in line, unread: no CONNACK while the holders hold
  const waiting = await raw();
  waiting.write(connectBytes("w1"));
  await expect(waiting.next("connack", 300)).rejects.toThrow("timed out");
  expect(waiting.closed).toBe(false);
  // the line holds as many bytes again (WAITING_OVERHEAD a socket): past that, refused at once
  const more: RawClient[] = [];
  for (let i = 0; i < Math.ceil(budget / WAITING_OVERHEAD) + 1; i++) more.push(await raw());
  await until(() => more.some((m) => m.closed), 3000, "a socket refused");
  expect(core().unauthenticatedBytes).toBeLessThanOrEqual(budget);
  for (const m of more) m.end();
  for (const h of holders) h.end();
  // room again: the waiting socket starts, its CONNECT is read and accepted
  expect(((await waiting.next("connack")) as IConnackPacket).returnCode).toBe(0);
  await until(() => core().unauthenticatedBytes === 0, 3000, "budget released");
  const ok = await raw();
  expect(((await ok.connectMqtt("after")) as IConnackPacket).returnCode).toBe(0);
});

test("a burst of 600 connections at once, past what one turn starts and past the budget's room, is served: none refused", async () => {
  // room for 128 connections being checked, and 512 sockets waiting in line (512 KiB at 1 KiB each)
  await start({ maxUnauthenticatedBytes: 128 * UNAUTHENTICATED_OVERHEAD });
  const n = 600;
  const clients = await Promise.all(Array.from({ length: n }, () => raw()));
  const acks = await Promise.all(clients.map((c, i) => c.connectMqtt(`burst-${i}`)));
  expect(acks.filter((a) => (a as IConnackPacket | null)?.returnCode === 0).length).toBe(n);
  expect(core().unauthenticatedBytes).toBe(0);
});

test("a 60 KB CONNECT in 256-byte pieces is accepted and reassembled with linear copying", async () => {
  await start({});
  const bytes = connectBytes("drip", 60_000);
  const concat = Buffer.concat;
  let copied = 0;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const out = concat(list, total);
    copied += out.length;
    return out;
  }) as typeof Buffer.concat;
  try {
    const r = await raw();
    for (let i = 0; i < bytes.length; i += 256) {
      r.write(bytes.subarray(i, i + 256));
      if (i % 4096 === 0) await Bun.sleep(0);
    }
    expect(((await r.next("connack")) as IConnackPacket).returnCode).toBe(0);
  } finally {
    Buffer.concat = concat;
  }
  // one join of the whole packet (plus small header joins), not one per piece (~7 MB)
  expect(copied).toBeLessThan(3 * bytes.length);
});
