// Authenticated connects/s with the audit trail on and off, as a same-run ratio:
// `bun bench/micro/audit-connect.ts [slices=10] [sliceMs=1000]`.
//
// Two `neo serve` processes run side by side (Audit.Enabled true / false, token auth on,
// a key each); the generator (this process, 16 lanes of TCP connect + CONNECT + CONNACK +
// DISCONNECT) alternates one slice on each, so both see the same machine load. Prints
// connects/s per broker and the ratio on/off. Both servers are killed by PID at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqttPacket from "mqtt-packet";
import { killProc, waitForLine } from "../lib/proc.ts";

const ROOT = resolve(import.meta.dir, "../..");
const slices = Number(process.argv[2] ?? 10);
const sliceMs = Number(process.argv[3] ?? 1000);
const LANES = 16;

async function start(audit: boolean) {
  const dir = mkdtempSync(join(tmpdir(), `neo-bench-audit-${audit ? "on" : "off"}-`));
  writeFileSync(join(dir, "neo.conf"), `Audit { Enabled = ${audit} }\n`);
  const neo = [process.execPath, join(ROOT, "src/main.ts")];
  const gen = Bun.spawnSync([
    ...neo,
    "shell",
    "key",
    "gen",
    "bench01",
    "--output",
    join(dir, "k"),
    "--data",
    join(dir, "d"),
  ]);
  if (gen.exitCode !== 0) throw new Error(gen.stderr.toString());
  const token = (await Bun.file(join(dir, "k_token")).text()).trim();
  const proc = Bun.spawn(
    [...neo, "serve", "--config", join(dir, "neo.conf"), "--data", join(dir, "d"), "--host", "127.0.0.1"],
    {
      stdout: "pipe",
      stderr: "ignore",
      env: { ...process.env, NEO_HTTP_PORT: "0", NEO_MQTT_PORT: "0", NEO_MQTT_ENABLE_TOKEN_AUTH: "true" },
    },
  );
  const line = await waitForLine(proc, (l) => l.includes('"ready"'), 20_000);
  const port = Number((JSON.parse(line) as { mqtt: string }).mqtt.split(":").pop());
  return { dir, proc, port, token, audit };
}

const connectPacket = (token: string, i: number) =>
  mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    clientId: `b${i}`,
    username: token,
  });
const disconnect = mqttPacket.generate({ cmd: "disconnect" });

function once(port: number, packet: Buffer): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect({ host: "127.0.0.1", port, noDelay: true });
    let done = false;
    const end = (ok: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      res(ok);
    };
    s.on("connect", () => s.write(packet));
    // CONNACK for v3.1.1: 0x20 0x02 <flags> <rc>
    s.on("data", (d: Buffer) => {
      if (d.length >= 4 && d[0] === 0x20) {
        s.write(disconnect);
        end(d[3] === 0);
      }
    });
    s.on("error", () => end(false));
    s.on("close", () => end(false));
  });
}

async function slice(port: number, token: string): Promise<number> {
  const until = performance.now() + sliceMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const p = connectPacket(token, lane);
      while (performance.now() < until) if (await once(port, p)) n++;
    }),
  );
  return n;
}

const on = await start(true);
const off = await start(false);
try {
  const count = { on: 0, off: 0 };
  await slice(on.port, on.token); // warm-up, both
  await slice(off.port, off.token);
  for (let i = 0; i < slices; i++) {
    // alternate which goes first, so a trend in the load hits both alike
    const order = i % 2 === 0 ? [on, off] : [off, on];
    for (const b of order) count[b.audit ? "on" : "off"] += await slice(b.port, b.token);
  }
  const rate = (n: number) => Math.round(n / ((slices * sliceMs) / 1000));
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  console.log(`audit on:  ${rate(count.on).toLocaleString("en")} connects/s`);
  console.log(`audit off: ${rate(count.off).toLocaleString("en")} connects/s`);
  console.log(`ratio on/off: ${(count.on / count.off).toFixed(3)} (${slices} x ${sliceMs} ms each, load ${load})`);
} finally {
  for (const b of [on, off]) {
    await killProc(b.proc);
    rmSync(b.dir, { recursive: true, force: true });
  }
}
