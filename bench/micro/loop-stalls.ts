// How long the gateway itself holds its event loop at idle (its timers: session re-check,
// sweep, audit and log flushes, metrics and console history, storage jobs): the gateway
// in-process on a temp data dir, a 1 ms timer measuring how late each firing is. A stall
// of X ms delays every message that arrives during it by up to X ms, so its sum over a
// second bounds what the broker's own timers add to p99 latency at a low rate.
//   bun bench/micro/loop-stalls.ts [seconds=20] [--bare]   (--bare: no gateway, the machine's own share)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway } from "../../src/app/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { setLogLevel } from "../../src/lib/log.ts";

const seconds = Number(process.argv[2] ?? 20);
const bare = process.argv.includes("--bare");
const dir = mkdtempSync(join(tmpdir(), "neo-loop-stalls-"));
setLogLevel("warn");
const gw = bare
  ? null
  : await startGateway(
      loadConfig({
        env: {},
        flags: { data: dir, host: "127.0.0.1", httpPort: 0, mqttPort: 0, mqttEnableTokenAuth: true },
      }),
    );
await Bun.sleep(3000); // past the start and its settle
const lates: number[] = [];
let last = performance.now();
const t = setInterval(() => {
  const now = performance.now();
  lates.push(now - last - 1);
  last = now;
}, 1);
await Bun.sleep(seconds * 1000);
clearInterval(t);
await gw?.stop();
rmSync(dir, { recursive: true, force: true });
lates.sort((a, b) => a - b);
const at = (p: number) => lates[Math.min(lates.length - 1, Math.floor((p / 100) * lates.length))]!.toFixed(2);
const over = (ms: number) => lates.filter((x) => x > ms);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
console.log(`load average ${(await Bun.file("/proc/loadavg").text()).trim()}`);
console.log(
  `${lates.length} firings in ${seconds} s; lateness p50 ${at(50)} ms, p99 ${at(99)} ms, p99.9 ${at(99.9)} ms, max ${at(100)} ms`,
);
for (const ms of [2, 5, 10])
  console.log(`late > ${ms} ms: ${over(ms).length} times, ${(sum(over(ms)) / seconds).toFixed(1)} ms a second`);
