// Garbage per QoS 1 message through the broker alone (no sockets: two in-memory transports,
// the subscriber acks every delivery in the read that carried it), batches of BATCH publishes
// a read as the latency bench sends them at 20,000 msg/s. Run with BUN_JSC_logGC=1 to see the
// collections; prints collections per 100,000 messages and the wall time.
// bun bench/micro/qos1-garbage.ts [messages] [batch]
import mqttPacket from "mqtt-packet";
import { Broker } from "../../src/mqtt/broker.ts";
import type { Transport } from "../../src/mqtt/types.ts";
import { Connection } from "../../src/mqtt/connection.ts";
import { allowAll } from "../../src/mqtt/test-support.ts";

const N = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 20);
const QOS = Number(process.argv[4] ?? 1) as 0 | 1;
const TOPIC = process.argv[5] ?? "bench/latency";
const broker = new Broker({ hooks: allowAll, sysIntervalMs: 0 });
const core = (broker as unknown as { core: ConstructorParameters<typeof Connection>[0] }).core;

class Pipe implements Transport {
  readonly peer = { transport: "tcp" as const, remoteAddress: "127.0.0.1" };
  constructor(readonly onWrite: (b: Uint8Array) => void) {}
  write(b: Uint8Array): void {
    this.onWrite(b);
  }
  buffered(): number {
    return 0;
  }
  end(): void {}
  close(): void {}
  pauseReading(): void {}
  resumeReading(): void {}
}

const gen = (p: Parameters<typeof mqttPacket.generate>[0]) => mqttPacket.generate(p);
const connect = (id: string) =>
  gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: id, clean: true, keepalive: 60 });
const ackBuf = Buffer.alloc(64 * 1024);
// the subscriber acks what a read delivered, in one write, as the bench's subscriber does
let pubacks = 0;
const subConn: Connection = new Connection(
  core,
  new Pipe((b) => {
    // the acks written into one buffer made per read (as a socket read would give one)
    let n = 0;
    for (let off = 0; off < b.length; ) {
      const len = b[off + 1] as number; // < 128 here
      if ((b[off] as number) >> 4 === 3 && (((b[off] as number) >> 1) & 3) === 1) {
        const at = off + 4 + (((b[off + 2] as number) << 8) | (b[off + 3] as number));
        ackBuf[n * 4] = 0x40;
        ackBuf[n * 4 + 1] = 2;
        ackBuf[n * 4 + 2] = b[at] as number;
        ackBuf[n * 4 + 3] = b[at + 1] as number;
        n++;
      }
      off += 2 + len;
    }
    if (n === 0) return;
    const out = Buffer.from(ackBuf.subarray(0, n * 4));
    queueMicrotask(() => subConn.onData(out));
  }),
);
const pubConn = new Connection(
  core,
  new Pipe((b) => {
    for (let off = 0; off < b.length; off += 4) if (b[off] === 0x40) pubacks++;
  }),
);
subConn.onData(connect("sub"));
subConn.onData(gen({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "bench/latency", qos: 1 }] }));
pubConn.onData(connect("pub"));
await Bun.sleep(10);

const one = gen({
  cmd: "publish",
  topic: TOPIC,
  payload: Buffer.alloc(64, 0x63),
  qos: QOS,
  messageId: 1,
  retain: false,
  dup: false,
});
const idAt = 2 + 2 + TOPIC.length;
let pid = 1;
const t0 = performance.now();
for (let sent = 0; sent < N; sent += BATCH) {
  const out = Buffer.allocUnsafe(one.length * BATCH); // a fresh read, as a socket gives
  for (let j = 0; j < BATCH; j++) {
    one.copy(out, j * one.length);
    if (QOS === 1) out.writeUInt16BE(pid, j * one.length + idAt);
    pid = pid === 65535 ? 1 : pid + 1;
  }
  pubConn.onData(out);
  await Promise.resolve(); // let the corked writes and the acks run, as the end of a turn does
  await Promise.resolve();
}
await Bun.sleep(10);
const ms = performance.now() - t0;
console.log(`${N} QoS 1 messages in batches of ${BATCH}: ${ms.toFixed(0)} ms, ${pubacks} PUBACKs to the publisher`);
await broker.close();
