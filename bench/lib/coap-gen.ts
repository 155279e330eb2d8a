// The CoAP load generator (bench/coap.ts runs it pinned to its own core): confirmable
// requests over UDP from `sockets` source ports, `window` outstanding per socket, for
// `seconds`; a request is counted when its piggybacked ACK arrives. Every socket keeps
// its own message ids and must not wrap within the run (a reused id would be answered
// from the server's dedup table and inflate the figure): a lane that would stops.
// Prints one JSON line: {sent, acked, lost, wrapped, codes, seconds, cpu}.
import { decode, encode } from "../../src/coap/codec.ts";

const [host = "127.0.0.1", portText = "5683", method = "post", path = "/", payloadText = "", formatText = "-1"] =
  process.argv.slice(2);
const seconds = Number(process.env.SECONDS_RUN ?? 5);
const window = Number(process.env.WINDOW ?? 8);
const socketsN = Number(process.env.SOCKETS ?? 16);
const port = Number(portText);
const enc = new TextEncoder();
const [pathPart = "", query = ""] = path.split("?");
const options = [
  ...pathPart
    .split("/")
    .filter((s) => s !== "")
    .map((s) => ({ number: 11, value: enc.encode(s) })),
  ...(Number(formatText) >= 0
    ? [{ number: 12, value: Number(formatText) === 0 ? new Uint8Array(0) : new Uint8Array([Number(formatText)]) }]
    : []),
  ...query
    .split("&")
    .filter((q) => q !== "")
    .map((q) => ({ number: 15, value: enc.encode(q) })),
].sort((a, b) => a.number - b.number);
const payload = enc.encode(payloadText);
const code = method === "put" ? 3 : 2;
// one encoded request per socket; only the message id changes
const template = encode({ type: 0, code, messageId: 0, token: new Uint8Array([1, 2]), options, payload });

let sent = 0;
let acked = 0;
let running = true;
const codes: Record<string, number> = {};
const cpu0 = process.cpuUsage();

interface Lane {
  mid: number;
  /** requests sent and not answered yet */
  open: number;
  lastReply: number;
  socket: import("bun").udp.Socket<"buffer">;
}
let presumedLost = 0;
let wrapped = false;
const lanes: Lane[] = [];
function send(l: Lane): void {
  if (!running) return;
  if (l.mid >= 0xffff) {
    wrapped = true; // a reused id would be answered from the dedup table: this lane stops
    return;
  }
  l.mid++;
  const b = new Uint8Array(template);
  b[2] = l.mid >> 8;
  b[3] = l.mid & 0xff;
  sent++;
  l.open++;
  l.socket.send(b, port, host);
}
for (let i = 0; i < socketsN; i++) {
  const lane = { mid: 0, open: 0, lastReply: performance.now() } as Lane;
  lane.socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, buf) {
        const d = decode(buf);
        if (!d.ok || d.msg.type !== 2) return;
        const c = `${d.msg.code >> 5}.${String(d.msg.code & 31).padStart(2, "0")}`;
        codes[c] = (codes[c] ?? 0) + 1;
        acked++;
        lane.open = Math.max(0, lane.open - 1);
        lane.lastReply = performance.now();
        send(lane);
      },
    },
  });
  lanes.push(lane);
}
const t0 = performance.now();
for (const l of lanes) for (let k = 0; k < window; k++) send(l);
// a datagram lost on the way (a full socket buffer) would hold its slot forever: a lane
// silent for 500 ms counts its open requests as lost and fills its window again
const refill = setInterval(() => {
  const now = performance.now();
  for (const l of lanes) {
    if (l.open === 0 || now - l.lastReply < 500) continue;
    presumedLost += l.open;
    l.open = 0;
    l.lastReply = now;
    for (let k = 0; k < window; k++) send(l);
  }
}, 100);
await Bun.sleep(seconds * 1000);
running = false;
clearInterval(refill);
const elapsed = (performance.now() - t0) / 1000;
const c = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    sent,
    acked,
    lost: presumedLost,
    wrapped,
    codes,
    seconds: elapsed,
    cpu: (c.user + c.system) / 1e6 / elapsed,
  }),
);
for (const l of lanes) l.socket.close();
process.exit(0);
