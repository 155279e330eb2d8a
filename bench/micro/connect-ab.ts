// Authenticated connects/s of two neo builds side by side, as a same-run ratio:
// `bun bench/micro/connect-ab.ts [--a "<argv prefix>"] [--b "<argv prefix>"] [--slices 10] [--slice-ms 1000] [--conf-a|--conf-b "<neo.conf text>"]`
// (default a = this checkout from source, b = the same; e.g. --b "bun /tmp/old/src/main.ts").
//
// Both `neo serve` processes run at once (token auth on, a key each); this process drives
// 16 lanes of TCP connect + CONNECT + CONNACK + DISCONNECT at one of them per slice,
// alternating, so both see the same machine load. Per broker: the median connects/s over
// the slices and the broker's CPU microseconds per connect (/proc/<pid>/stat), the figure
// least moved by other load on a shared machine. Both servers are killed by PID at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqttPacket from "mqtt-packet";
import { killProc, procCpuSeconds, waitForLine } from "../lib/proc.ts";

const ROOT = resolve(import.meta.dir, "../..");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};
const self = `${process.execPath} ${join(ROOT, "src/main.ts")}`;
const cmds = { a: arg("a", self), b: arg("b", self) };
const slices = Number(arg("slices", "10"));
const sliceMs = Number(arg("slice-ms", "1000"));
const confs = { a: arg("conf-a", ""), b: arg("conf-b", "") };
const LANES = 16;

async function start(label: "a" | "b") {
  const dir = mkdtempSync(join(tmpdir(), `neo-bench-connect-${label}-`));
  writeFileSync(join(dir, "neo.conf"), `${confs[label]}\n`);
  const neo = cmds[label].split(" ").filter(Boolean);
  const data = ["--data", join(dir, "d")];
  const gen = Bun.spawnSync([...neo, "shell", "key", "gen", "bench01", "--output", join(dir, "k"), ...data]);
  if (gen.exitCode !== 0) throw new Error(gen.stderr.toString());
  const token = (await Bun.file(join(dir, "k_token")).text()).trim();
  const proc = Bun.spawn([...neo, "serve", "--config", join(dir, "neo.conf"), ...data, "--host", "127.0.0.1"], {
    stdout: "pipe",
    stderr: "ignore",
    env: { ...process.env, NEO_HTTP_PORT: "0", NEO_MQTT_PORT: "0", NEO_MQTT_ENABLE_TOKEN_AUTH: "true" },
  });
  const line = await waitForLine(proc, (l) => l.includes('"ready"'), 20_000);
  const port = Number((JSON.parse(line) as { mqtt: string }).mqtt.split(":").pop());
  return { label, dir, proc, port, token, rates: [] as number[], cpuUs: [] as number[], total: 0 };
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

type Broker = Awaited<ReturnType<typeof start>>;

async function slice(b: Broker, record: boolean): Promise<void> {
  const cpu0 = procCpuSeconds(b.proc.pid);
  const t0 = performance.now();
  const until = t0 + sliceMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const p = connectPacket(b.token, lane);
      while (performance.now() < until) if (await once(b.port, p)) n++;
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = procCpuSeconds(b.proc.pid) - cpu0;
  b.total += n;
  if (!record || n === 0) return;
  b.rates.push(n / secs);
  b.cpuUs.push((cpu * 1e6) / n);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const a = await start("a");
const b = await start("b");
try {
  await slice(a, false); // warm-up, both
  await slice(b, false);
  for (let i = 0; i < slices; i++) {
    // alternate which goes first, so a trend in the load hits both alike
    for (const x of i % 2 === 0 ? [a, b] : [b, a]) await slice(x, true);
  }
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  for (const x of [a, b]) {
    const rate = Math.round(median(x.rates)).toLocaleString("en");
    console.log(
      `${x.label}: ${rate} connects/s, ${median(x.cpuUs).toFixed(0)} µs broker CPU per connect (${cmds[x.label]})`,
    );
  }
  const ratio = median(a.rates) / median(b.rates);
  const cpuRatio = median(b.cpuUs) / median(a.cpuUs);
  console.log(
    `ratio a/b: ${ratio.toFixed(3)} connects/s, ${cpuRatio.toFixed(3)} connects per CPU second (medians of ${slices} x ${sliceMs} ms, load ${load})`,
  );
} finally {
  for (const x of [a, b]) {
    await killProc(x.proc);
    rmSync(x.dir, { recursive: true, force: true });
  }
}
