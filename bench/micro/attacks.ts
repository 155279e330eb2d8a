// The red team's attacks against one real gateway, measured: `bun bench/micro/attacks.ts`
// [--neo-cmd "<command>"] (default: this tree's src/main.ts). Loopback only, bounded.
//  1. /health latency and MQTT CONNECT time, idle and while the worst queries run
//     (an endless recursive CTE and select randomblob(1e9), each until Query.Timeout);
//  2. RSS (now and peak) of the gateway under the unauthenticated memory attacks:
//     300 partial 1 MB CONNECTs over TCP, 200 over WebSocket, a 300 MB chunked body to
//     /web/api/login, then 300 x 1 MB retained messages from one client.
// Prints a markdown table; figures go to bench/RESULTS.md by hand.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqtt from "mqtt";

const ROOT = resolve(import.meta.dir, "../..");
const i = process.argv.indexOf("--neo-cmd");
const NEO = i > 0 ? (process.argv[i + 1] ?? "").split(" ") : [process.execPath, join(ROOT, "src/main.ts")];
const MB = 1024 * 1024;
const status = (pid: number, key: string) =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

class FiniteOnlyDone extends Error {}
const data = mkdtempSync(join(tmpdir(), "neo-attack-"));
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
const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as { http: string; mqtt: string };
const http = `http://${ready.http}`;
const [mqttHost = "127.0.0.1", mqttPortText = "0"] = ready.mqtt.split(/:(?=\d+$)/);
const mqttPort = Number(mqttPortText);
const rows: string[] = [];
const row = (...cells: (string | number)[]) => rows.push(`| ${cells.join(" | ")} |`);

async function healthLatencies(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    await (await fetch(`${http}/health`)).text();
    out.push(performance.now() - t0);
    await Bun.sleep(10);
  }
  return out;
}
async function connectTimes(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    const c = await mqtt.connectAsync(`mqtt://${mqttHost}:${mqttPort}`, { reconnectPeriod: 0, connectTimeout: 30_000 });
    out.push(performance.now() - t0);
    await c.endAsync();
  }
  return out;
}
const fmt = (xs: number[]) => `${pct(xs, 50).toFixed(1)} / ${pct(xs, 99).toFixed(1)} / ${Math.max(...xs).toFixed(1)}`;

try {
  await healthLatencies(20); // warm up
  row("idle", fmt(await healthLatencies(200)), fmt(await connectTimes(20)), "-");
  // --finite-only: for a build without Query.Timeout, where an endless query never returns
  const finiteOnly = process.argv.includes("--finite-only");
  for (const q of [
    "with recursive c(x) as (select 1 union all select x+1 from c where x < 30000000) select count(*) from c",
    ...(finiteOnly
      ? []
      : [
          "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c",
          "select randomblob(1000000000)",
        ]),
  ]) {
    const t0 = performance.now();
    const running = [1, 2].map(() => fetch(`${http}/db/query?q=${encodeURIComponent(q)}`).then((r) => r.status));
    const h = await healthLatencies(200);
    const c = await connectTimes(20);
    const codes = await Promise.all(running);
    row(
      `during \`${q.length > 50 ? `${q.slice(0, 22)}...${q.slice(-28)}` : q}\` x2`,
      fmt(h),
      fmt(c),
      `${codes.join(", ")} after ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  console.log("| load | /health ms p50 / p99 / max | MQTT CONNECT ms p50 / p99 / max | query answer |");
  console.log("| --- | ---: | ---: | --- |");
  console.log(rows.join("\n"));
  rows.length = 0;
  if (finiteOnly) throw new FiniteOnlyDone();

  const pid = proc.pid;
  const mark = (what: string) => {
    console.error(`.. ${what}`);
    row(what, status(pid, "VmRSS").toFixed(0), status(pid, "VmHWM").toFixed(0));
  };
  mark("baseline (after the query runs above)");
  // 300 partial 1 MB CONNECTs over TCP: header + 64 KB each, held open
  const head = (n: number) =>
    Buffer.concat([Buffer.from([0x10, 0xc0, 0x84, 0x3d, 0, 4]), Buffer.from("MQTT"), Buffer.alloc(n)]);
  const socks = [];
  for (let k = 0; k < 300; k++) {
    const s = await Bun.connect({ hostname: mqttHost, port: mqttPort, socket: { data() {}, close() {}, error() {} } });
    s.write(head(65536));
    socks.push(s);
  }
  await Bun.sleep(1000);
  mark("300 partial 1 MB MQTT CONNECTs (TCP)");
  for (const s of socks) s.end();
  const wss: WebSocket[] = [];
  for (let k = 0; k < 200; k++) {
    const ws = new WebSocket(`ws://${ready.http}/mqtt`, ["mqtt"]);
    ws.onopen = () => ws.send(head(65536));
    ws.onerror = () => {};
    wss.push(ws);
  }
  await Bun.sleep(1500);
  mark("200 partial 1 MB MQTT CONNECTs (WebSocket)");
  for (const ws of wss) ws.close();
  // a 300 MB chunked body to the login endpoint
  const s = await Bun.connect({
    hostname: "127.0.0.1",
    port: Number(ready.http.split(":").pop()),
    socket: { data() {}, close() {}, error() {} },
  });
  s.write(
    "POST /web/api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const piece = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(65536, 0x61), Buffer.from("\r\n")]);
  let sent = 0;
  while (sent < 300 * MB) {
    let b = piece;
    let tries = 0;
    while (b.length > 0 && tries < 200) {
      const n = s.write(b);
      if (n > 0) b = b.subarray(n);
      else if (n < 0) break;
      if (b.length > 0) {
        tries++;
        await Bun.sleep(1);
      }
    }
    if (b.length > 0) break; // the server stopped reading
    sent += 65536;
  }
  s.end();
  mark(`chunked body to /web/api/login (${(sent / MB).toFixed(0)} MB sent before the server stopped reading)`);
  const pub = await mqtt.connectAsync(`mqtt://${mqttHost}:${mqttPort}`, { reconnectPeriod: 0, protocolVersion: 5 });
  let refused = 0;
  for (let k = 0; k < 300; k++) {
    try {
      // 1,000,000 bytes: under the default 1 MiB packet limit
      await pub.publishAsync(`big/${k}`, Buffer.alloc(1_000_000, 0x62), { qos: 1, retain: true });
    } catch {
      refused++;
    }
  }
  await pub.endAsync();
  mark(`300 x 1 MB retained from one client, QoS 1, v5 (${300 - refused} kept, ${refused} refused 0x97)`);
  console.log("\n| after | RSS MB | peak RSS MB |");
  console.log("| --- | ---: | ---: |");
  console.log(rows.join("\n"));
} catch (e) {
  if (!(e instanceof FiniteOnlyDone)) throw e;
} finally {
  proc.kill("SIGTERM");
  await proc.exited;
  rmSync(data, { recursive: true, force: true });
}
