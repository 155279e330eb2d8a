// Persistent-session state under a flood, before/after: `bun bench/micro/session-state.ts
// [--neo-cmd "<command>"] [--config <file>] [--sessions 2000] [--messages 1000]
// [--watch-seconds 65]`. Loopback only, bounded. One client id after another connects with
// clean=false, subscribes to # (QoS 1) and leaves; then 1,000 QoS 1 messages of 200 B are
// published, so each offline session queues them. Prints: RSS after the flood; the
// longest /health answer while the broker's autosave runs (polled every 20 ms for
// --watch-seconds); the stop time (the last save); the restart time to the ready line, the
// RSS after the restart, and how many sessions the restarted broker holds.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqtt from "mqtt";
import mqttPacket from "mqtt-packet";

const ROOT = resolve(import.meta.dir, "../..");
const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? d) : d;
};
const NEO = process.argv.includes("--neo-cmd")
  ? arg("--neo-cmd", "").split(" ")
  : [process.execPath, join(ROOT, "src/main.ts")];
const SESSIONS = Number(arg("--sessions", "2000"));
const MESSAGES = Number(arg("--messages", "1000"));
const WATCH = Number(arg("--watch-seconds", "65"));
const CONFIG = arg("--config", "");
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

const data = mkdtempSync(join(tmpdir(), "neo-sessions-"));
async function start() {
  const t0 = performance.now();
  const proc = Bun.spawn(
    [
      ...NEO,
      "serve",
      "--data",
      data,
      "--host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
      ...(CONFIG ? ["--config", CONFIG] : []),
    ],
    { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  const reader = proc.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) buf += new TextDecoder().decode((await reader.read()).value);
  const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as { http: string; mqtt: string };
  return { proc, ready, startMs: performance.now() - t0, port: Number(ready.mqtt.split(":").pop()) };
}

function persistent(port: number, clientId: string): Promise<number> {
  return new Promise((done) => {
    const sock = net.connect(port, "127.0.0.1");
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const send = (p: object) => sock.write(mqttPacket.generate(p as mqttPacket.Packet));
    parser.on("packet", (p) => {
      if (p.cmd === "connack") {
        if (p.returnCode !== 0) {
          sock.destroy();
          return done(p.returnCode ?? -1);
        }
        send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "#", qos: 1 }] });
      }
      if (p.cmd === "suback") {
        sock.destroy();
        done(0);
      }
    });
    sock.on("data", (d: Buffer) => parser.parse(d));
    sock.on("error", () => done(-1));
    sock.on("connect", () =>
      send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: false, keepalive: 30, clientId }),
    );
  });
}

let s = await start();
const idle = rssMb(s.proc.pid);
let accepted = 0;
for (let i = 0; i < SESSIONS; i += 50) {
  const codes = await Promise.all(
    Array.from({ length: Math.min(50, SESSIONS - i) }, (_, k) => persistent(s.port, `flood-${i + k}`)),
  );
  accepted += codes.filter((c) => c === 0).length;
}
const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${s.port}`, { reconnectPeriod: 0 });
const payload = Buffer.alloc(200, 0x61);
for (let i = 0; i < MESSAGES; i++) await pub.publishAsync(`flood/m${i}`, payload, { qos: 1 });
await pub.endAsync();
await Bun.sleep(500);
const afterFlood = rssMb(s.proc.pid);
let peak = afterFlood;
let worstHealth = 0;
const until = Date.now() + WATCH * 1000;
while (Date.now() < until) {
  const t0 = performance.now();
  await fetch(`http://${s.ready.http}/health`).then((r) => r.text());
  worstHealth = Math.max(worstHealth, performance.now() - t0);
  peak = Math.max(peak, rssMb(s.proc.pid));
  await Bun.sleep(20);
}
const t0 = performance.now();
s.proc.kill("SIGTERM");
await s.proc.exited;
const stopMs = performance.now() - t0;
const stateFiles = ["mqtt-state.bin", "mqtt-state.db", "mqtt-state.db-wal"].map((f) => {
  try {
    return `${f} ${(statSync(join(data, f)).size / 1048576).toFixed(1)} MB`;
  } catch {
    return "";
  }
});
s = await start();
await Bun.sleep(1000);
const restartRss = rssMb(s.proc.pid);
const stderr = s.proc.stderr;
s.proc.kill("SIGTERM");
await s.proc.exited;
const log = await new Response(stderr).text();
console.log(
  JSON.stringify({
    sessionsAsked: SESSIONS,
    sessionsAccepted: accepted,
    messages: MESSAGES,
    idleRssMb: +idle.toFixed(1),
    rssAfterFloodMb: +afterFlood.toFixed(1),
    peakRssMb: +peak.toFixed(1),
    worstHealthMs: Math.round(worstHealth),
    stopMs: Math.round(stopMs),
    state: stateFiles.filter(Boolean).join(", "),
    restartToReadyMs: Math.round(s.startMs),
    rssAfterRestartMb: +restartRss.toFixed(1),
    restored: /MQTT state restored[^\n]*/.exec(log)?.[0] ?? "",
  }),
);
rmSync(data, { recursive: true, force: true });
