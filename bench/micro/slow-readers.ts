// Slow HTTP readers against the gateway: `bun bench/micro/slow-readers.ts
// [--neo-cmd "<command>"] [--clients 150] [--seconds 60] [--all-at-once]`. Loopback only, bounded.
// Each client asks /db/query for a ~6 MB answer and never reads it (the socket is
// paused; two at a time, the next once the previous got its status line, so the pool's
// waiting line is not what refuses them); then 60 more read 16 KiB every 3 s. Samples, every 20 ms, the resident
// set of the gateway and the sum over its query processes, and prints the peaks, how many
// queries were refused (503) and how many readers were cut off.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? d) : d;
};
const NEO = process.argv.includes("--neo-cmd")
  ? arg("--neo-cmd", "").split(" ")
  : [process.execPath, join(ROOT, "src/main.ts")];
const CLIENTS = Number(arg("--clients", "150"));
const SECONDS = Number(arg("--seconds", "60"));
const Q =
  "with recursive c(x) as (select 1 union all select x+1 from c where x < 150000) select x, printf('%.30c', 'v') from c";

const rssMb = (pid: number, key = "VmRSS") => {
  try {
    return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
const children = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).flatMap((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });

const data = mkdtempSync(join(tmpdir(), "neo-slow-"));
const proc = Bun.spawn(
  [...NEO, "serve", "--data", data, "--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", "0"],
  {
    stdout: "pipe",
    stderr: "ignore",
    env: { ...process.env, NO_COLOR: "1" },
  },
);
const reader = proc.stdout.getReader();
let buf = "";
while (!buf.includes("\n")) buf += new TextDecoder().decode((await reader.read()).value);
const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as { http: string };
const port = Number(ready.http.split(":").pop());

let peakGw = 0;
let peakQ = 0;
let peakSum = 0;
const idle = rssMb(proc.pid);
const sampler = setInterval(() => {
  const gw = rssMb(proc.pid);
  const q = children(proc.pid).reduce((a, p) => a + rssMb(p), 0);
  peakGw = Math.max(peakGw, gw);
  peakQ = Math.max(peakQ, q);
  peakSum = Math.max(peakSum, gw + q);
}, 20);

interface Client {
  s: net.Socket;
  status: string;
  got: number;
  closed: boolean;
}
function ask(read: boolean): Client {
  const s = net.connect(port, "127.0.0.1");
  const c: Client = { s, status: "", got: 0, closed: false };
  let head = "";
  s.on("error", () => {});
  s.on("close", () => (c.closed = true));
  s.on("data", (d) => {
    if (!c.status) {
      head += d.toString("latin1", 0, 16);
      if (head.length >= 12) c.status = head.slice(9, 12);
    }
    c.got += d.length;
    if (!read) s.pause();
  });
  s.write(`GET /db/query?q=${encodeURIComponent(Q)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  return c;
}

const t0 = Date.now();
const left = () => SECONDS * 1000 - (Date.now() - t0);
const stalled: Client[] = [];
if (process.argv.includes("--all-at-once")) {
  // as the attack: every client asks at once (past the pool's line they get 503)
  for (let k = 0; k < CLIENTS; k++) stalled.push(ask(false));
} else {
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < CLIENTS && left() > 0) {
        next++;
        const c = ask(false);
        stalled.push(c);
        while (!c.status && !c.closed && left() > 0) await Bun.sleep(10);
      }
    }),
  );
}
// 60 readers that take 16 KiB every 3 s
const trickle: Client[] = [];
for (let k = 0; k < 60; k++) trickle.push(ask(false));
const trickleTimer = setInterval(() => {
  for (const c of trickle) {
    c.s.resume();
    setTimeout(() => c.s.pause(), 1);
  }
}, 3000);
while (left() > 0) await Bun.sleep(200);
clearInterval(trickleTimer);
clearInterval(sampler);
const all = [...stalled, ...trickle];
const count = (f: (c: Client) => boolean) => all.filter(f).length;
const health = await fetch(`http://${ready.http}/health`).then((r) => r.status);
console.log(
  JSON.stringify({
    clients: all.length,
    seconds: SECONDS,
    idleGatewayMb: +idle.toFixed(1),
    peakGatewayMb: +peakGw.toFixed(1),
    peakQueryProcessesMb: +peakQ.toFixed(1),
    peakGatewayPlusQueriesMb: +peakSum.toFixed(1),
    gatewayHwmMb: +rssMb(proc.pid, "VmHWM").toFixed(1),
    answered200: count((c) => c.status === "200"),
    refused503: count((c) => c.status === "503"),
    cutOff: count((c) => c.status === "200" && c.closed),
    healthAfter: health,
  }),
);
for (const c of all) c.s.destroy();
proc.kill("SIGTERM");
await proc.exited;
rmSync(data, { recursive: true, force: true });
