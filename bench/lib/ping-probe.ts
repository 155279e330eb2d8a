// A connected client's responsiveness, in a process of its own (so the load generator's own
// busy turns do not count): `bun bench/lib/ping-probe.ts` reads {endpoint, open, pingMs} as
// JSON on stdin's first line, connects, prints "ready", sends a PINGREQ every pingMs at a
// fixed rate and times each PINGRESP; on "stop" (stdin's next line) it waits up to 2 s for
// the answers still out and prints {rtts, at, unanswered} as JSON (`at`: each PINGREQ's send
// time, ms since the epoch, performance.timeOrigin-based). Used by the storm scenario.
import { MqttConn, type Endpoint, type OpenOptions } from "./client.ts";
import { PT } from "./frames.ts";

const PINGREQ = Buffer.from([0xc0, 0x00]);
const reader = Bun.stdin.stream().getReader();
let buf = "";
async function line(): Promise<string> {
  for (;;) {
    const i = buf.indexOf("\n");
    if (i >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      return l;
    }
    const { value, done } = await reader.read();
    if (done) return buf;
    buf += new TextDecoder().decode(value);
  }
}

const spec = JSON.parse(await line()) as { endpoint: Endpoint; open: OpenOptions; pingMs: number };
const probe = await MqttConn.open(spec.endpoint, spec.open);
const sentAt: number[] = [];
const rtts: number[] = [];
const at: number[] = [];
probe.onFrame((type) => {
  if (type !== PT.PINGRESP) return;
  const t = sentAt.shift();
  if (t === undefined) return;
  rtts.push(performance.now() - t);
  at.push(performance.timeOrigin + t);
});
const ticker = setInterval(() => {
  sentAt.push(performance.now());
  probe.write(PINGREQ);
}, spec.pingMs);
console.log("ready");
await line(); // "stop"
clearInterval(ticker);
const until = performance.now() + 2000;
while (sentAt.length > 0 && performance.now() < until) await Bun.sleep(5);
const unanswered = sentAt.length;
for (const t of sentAt) {
  rtts.push(performance.now() - t); // an unanswered one counts as its wait
  at.push(performance.timeOrigin + t);
}
console.log(JSON.stringify({ rtts, at, unanswered }));
probe.destroy();
process.exit(0);
