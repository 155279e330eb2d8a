// In-process QoS 0 throughput: one publisher to one subscriber over loopback, broker,
// publisher and subscriber on the same thread. Run: bun bench/micro/mqtt-throughput.ts [count]
import mqttPacket from "mqtt-packet";
import type { Socket } from "bun";
import { Broker } from "../../src/mqtt/broker.ts";
import { allowAll } from "../../src/mqtt/test-support.ts";

const N = Number(process.argv[2] ?? 1_000_000);
const broker = new Broker({ hooks: allowAll, sysIntervalMs: 0 });
const l = await broker.listen({ host: "127.0.0.1", port: 0 });
const gen = (p: Parameters<typeof mqttPacket.generate>[0]) => mqttPacket.generate(p);

function open(onData: (d: Buffer) => void, onDrain: () => void = () => {}): Promise<Socket<undefined>> {
  return Bun.connect({
    hostname: "127.0.0.1",
    port: l.port,
    socket: { data: (_s, d) => onData(d), drain: () => onDrain() },
  });
}

// subscriber: counts PUBLISH packets by walking fixed headers (no full parse)
let received = 0;
let rest: Buffer | null = null;
let subAcked: () => void = () => {};
let done: () => void = () => {};
const subReady = new Promise<void>((r) => (subAcked = r));
const allIn = new Promise<void>((r) => (done = r));
const sub = await open((chunk) => {
  const b = rest ? Buffer.concat([rest, chunk]) : chunk;
  let off = 0;
  while (b.length - off >= 2) {
    let len = 0,
      mult = 1,
      i = off + 1,
      ok = false;
    for (let n = 0; n < 4 && i < b.length; n++) {
      const x = b[i++]!;
      len += (x & 127) * mult;
      mult *= 128;
      if (!(x & 128)) {
        ok = true;
        break;
      }
    }
    if (!ok || b.length - i < len) break;
    const type = b[off]! >> 4;
    if (type === 3) received++;
    else if (type === 9) subAcked();
    off = i + len;
  }
  rest = off < b.length ? Buffer.from(b.subarray(off)) : null;
  check();
});
const check = () => {
  if (received + broker.stats().droppedQos0 >= N) done();
};
const poll = setInterval(check, 5);
sub.write(
  gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "bench-sub", clean: true, keepalive: 0 }),
);
sub.write(gen({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "bench/t", qos: 0 }] }));
await subReady;

const one = gen({ cmd: "publish", topic: "bench/t", payload: Buffer.alloc(16, 1), qos: 0, dup: false, retain: false });
const BATCH = 1000;
const batch = Buffer.concat(Array(BATCH).fill(one));
let sent = 0;
let pending: Buffer | null = null;
let pubSock!: Socket<undefined>;
const pump = () => {
  if (pending) {
    const n = pubSock.write(pending);
    pending = n < pending.length ? pending.subarray(Math.max(n, 0)) : null;
    if (pending) return;
  }
  while (sent < N) {
    sent += BATCH;
    const n = pubSock.write(batch);
    if (n < batch.length) {
      pending = batch.subarray(Math.max(n, 0));
      return;
    }
  }
};
pubSock = await open(() => {}, pump);
pubSock.write(
  gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "bench-pub", clean: true, keepalive: 0 }),
);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
pump();
await allIn;
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(poll);
const dropped = broker.stats().droppedQos0;
console.log(
  JSON.stringify({
    published: N,
    delivered: received,
    dropped,
    payloadBytes: 16,
    ms: Math.round(ms),
    publishedPerSec: Math.round((N / ms) * 1000),
    deliveredPerSec: Math.round((received / ms) * 1000),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  }),
);
sub.end();
pubSock.end();
await broker.close();
l.stop();
