// Bridge bench sink (child process): a persistent-session subscriber on the upstream
// (clean session off, QoS 1, `#`), reconnecting every 200 ms after an outage. Counts
// messages per topic group (the topic without its last level) and unique message
// numbers, and prints the counts as one JSON line every 100 ms.
import mqtt from "mqtt-packet";
import { FrameSplitter, PT } from "../lib/frames.ts";

const port = Number(process.argv[2]);
interface Group {
  n: number;
  unique: number;
  seen: Uint8Array;
  first: number;
  last: number;
}
const groups = new Map<string, Group>();
const utf8 = new TextDecoder();

function onPublish(buf: Buffer, body: number, end: number, qos: number, send: (b: Buffer) => void) {
  const tlen = buf.readUInt16BE(body);
  const topic = utf8.decode(buf.subarray(body + 2, body + 2 + tlen));
  let p = body + 2 + tlen;
  if (qos > 0) {
    send(mqtt.generate({ cmd: "puback", messageId: buf.readUInt16BE(p) }));
    p += 2;
  }
  const key = topic.slice(0, topic.lastIndexOf("/"));
  let g = groups.get(key);
  if (!g) groups.set(key, (g = { n: 0, unique: 0, seen: new Uint8Array(2_100_000), first: Date.now(), last: 0 }));
  const seq = Number(buf.toString("latin1", p, Math.min(end, p + 10)));
  g.n++;
  g.last = Date.now();
  if (Number.isInteger(seq) && seq < g.seen.length && g.seen[seq] === 0) {
    g.seen[seq] = 1;
    g.unique++;
  }
}

function connect(): void {
  const split = new FrameSplitter((type, flags, buf, body, end) => {
    if (type === PT.PUBLISH) onPublish(buf, body, end, (flags >> 1) & 3, (b) => sock?.write(b));
  });
  let sock: { write(b: Buffer): number } | null = null;
  Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        s.setNoDelay(true);
        sock = s;
        s.write(
          mqtt.generate({
            cmd: "connect",
            protocolId: "MQTT",
            protocolVersion: 4,
            clean: false,
            clientId: "bench-sink",
            keepalive: 0,
          }),
        );
        s.write(mqtt.generate({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "sites/#", qos: 1 }] }));
      },
      data(_s, d) {
        split.push(d);
      },
      close() {
        setTimeout(connect, 200);
      },
      error() {},
    },
  }).catch(() => setTimeout(connect, 200));
}
connect();
setInterval(() => {
  const out: Record<string, { n: number; unique: number; first: number; last: number }> = {};
  for (const [k, g] of groups) out[k] = { n: g.n, unique: g.unique, first: g.first, last: g.last };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}, 100);
