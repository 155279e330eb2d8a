// Bridge bench generator (child process): publish `count` QoS 1 messages of 100 bytes to
// a local broker, round-robin over 4 topics under <root>/<phase>/ (root: bench), `window` in flight;
// the payload starts with the message's number (10 digits) so the sink can count
// unique messages. Prints {"acked":N,"seconds":S} when every PUBLISH is acknowledged.
import { MqttConn } from "../lib/client.ts";
import { PT } from "../lib/frames.ts";
import { nextId } from "../lib/packets.ts";
import mqtt from "mqtt-packet";

const o = JSON.parse(process.argv[2] ?? "{}") as {
  port: number;
  count: number;
  phase: string;
  first?: number;
  window?: number;
  /** first topic level; "bench" is what the bridges forward */
  root?: string;
};
const first = o.first ?? 0;
const window = o.window ?? 512;
const topics = [0, 1, 2, 3].map((t) => `${o.root ?? "bench"}/${o.phase}/t${t}`);
const c = await MqttConn.open({ host: "127.0.0.1", port: o.port }, { clientId: `gen-${o.phase}-${process.pid}` });
let sent = 0;
let acked = 0;
let id = 1;
const t0 = performance.now();
const done = Promise.withResolvers<void>();
const fill = () => {
  const parts: Buffer[] = [];
  while (sent < o.count && sent - acked < window) {
    const payload = Buffer.alloc(100, 0x78);
    const n = first + sent;
    payload.write(String(n).padStart(10, "0"), 0, "latin1");
    parts.push(
      mqtt.generate({
        cmd: "publish",
        topic: topics[n % 4] as string,
        payload,
        qos: 1,
        messageId: id,
        retain: false,
        dup: false,
      }),
    );
    id = nextId(id);
    sent++;
  }
  if (parts.length) c.write(Buffer.concat(parts));
};
c.onFrame((type) => {
  if (type !== PT.PUBACK) return;
  acked++;
  if (acked === o.count) done.resolve();
  else if (sent - acked <= window / 2) fill();
});
fill();
await done.promise;
const seconds = (performance.now() - t0) / 1000;
await c.disconnect(1000);
process.stdout.write(`${JSON.stringify({ acked, seconds })}\n`);
process.exit(0);
