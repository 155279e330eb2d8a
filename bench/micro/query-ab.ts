// /db/query throughput of two neo builds side by side, as a same-run ratio:
// `bun bench/micro/query-ab.ts [--a "<argv prefix>"] [--b "<argv prefix>"] [--lanes 4] [--principals 1]
//   [--slices 8] [--slice-ms 1000] [--sql "select 1"] [--b-auth off]`
// (--b-auth off: b runs with HTTP token auth off and is asked without a token: the
// token-auth on vs off ratio of one build, issue 24's ">= 0.95x")
// (default a = this checkout from source, b = the same; e.g. --b "bun /tmp/neo-30f90e3/src/main.ts").
//
// Both `neo serve` processes run at once (HTTP token auth on, `--principals` keys each);
// this process drives `--lanes` loops of `GET /db/query?q=<sql>` (lanes spread over the
// keys) at one of them per slice, alternating, so both see the same machine load. Per
// build: the median answers/s over the slices (200s only; other statuses are counted and
// shown) and the gateway's CPU microseconds per answer (/proc/<pid>/stat), and beside it
// its query processes' (the gateway's live children). Both servers are killed by PID at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { childrenCpuSeconds, killProc, procCpuSeconds, waitForLine } from "../lib/proc.ts";

const ROOT = resolve(import.meta.dir, "../..");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};
const self = `${process.execPath} ${join(ROOT, "src/main.ts")}`;
const cmds = { a: arg("a", self), b: arg("b", self) };
const slices = Number(arg("slices", "8"));
const sliceMs = Number(arg("slice-ms", "1000"));
const lanes = Number(arg("lanes", "4"));
const principals = Number(arg("principals", "1"));
const sql = arg("sql", "select 1");
const bOpen = arg("b-auth", "on") === "off";

async function start(label: "a" | "b") {
  const dir = mkdtempSync(join(tmpdir(), `neo-bench-query-${label}-`));
  const neo = cmds[label].split(" ").filter(Boolean);
  const data = ["--data", join(dir, "d")];
  const tokens: string[] = [];
  for (let i = 0; i < principals; i++) {
    const gen = Bun.spawnSync([...neo, "shell", "key", "gen", `q${i}`, "--output", join(dir, `k${i}`), ...data]);
    if (gen.exitCode !== 0) throw new Error(gen.stderr.toString());
    tokens.push((await Bun.file(join(dir, `k${i}_token`)).text()).trim());
  }
  const proc = Bun.spawn([...neo, "serve", ...data, "--host", "127.0.0.1"], {
    stdout: "pipe",
    stderr: "ignore",
    env: {
      ...process.env,
      NEO_HTTP_PORT: "0",
      NEO_MQTT_PORT: "0",
      NEO_HTTP_ENABLE_TOKEN_AUTH: label === "b" && bOpen ? "false" : "true",
    },
  });
  const line = await waitForLine(proc, (l) => l.includes('"ready"'), 20_000);
  const http = `http://${(JSON.parse(line) as { http: string }).http}`;
  return {
    label,
    dir,
    proc,
    http,
    tokens,
    rates: [] as number[],
    cpuUs: [] as number[],
    kidsUs: [] as number[],
    other: new Map<number, number>(),
  };
}

type Build = Awaited<ReturnType<typeof start>>;
const url = (b: Build) => `${b.http}/db/query?q=${encodeURIComponent(sql)}`;

async function slice(b: Build, record: boolean): Promise<void> {
  const cpu0 = procCpuSeconds(b.proc.pid);
  const kids0 = childrenCpuSeconds(b.proc.pid);
  const t0 = performance.now();
  const until = t0 + sliceMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const headers: Record<string, string> =
        b.label === "b" && bOpen ? {} : { authorization: `Bearer ${b.tokens[lane % b.tokens.length]}` };
      while (performance.now() < until) {
        const r = await fetch(url(b), { headers });
        await r.arrayBuffer();
        if (r.status === 200) n++;
        else if (record) b.other.set(r.status, (b.other.get(r.status) ?? 0) + 1);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = procCpuSeconds(b.proc.pid) - cpu0;
  const kids = childrenCpuSeconds(b.proc.pid) - kids0;
  if (!record || n === 0) return;
  b.rates.push(n / secs);
  b.cpuUs.push((cpu * 1e6) / n);
  b.kidsUs.push((kids * 1e6) / n);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const a = await start("a");
const b = await start("b");
try {
  await slice(a, false); // warm-up: query processes started, both
  await slice(b, false);
  for (let i = 0; i < slices; i++) {
    for (const x of i % 2 === 0 ? [a, b] : [b, a]) await slice(x, true);
  }
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  for (const x of [a, b]) {
    const other = [...x.other].map(([s, c]) => `${c} x ${s}`).join(", ") || "none";
    console.log(
      `${x.label}: ${Math.round(median(x.rates)).toLocaleString("en")} answers/s, ${median(x.cpuUs).toFixed(0)} µs gateway CPU per answer (+ ${median(x.kidsUs).toFixed(0)} µs in query processes), other statuses: ${other} (${cmds[x.label]})`,
    );
  }
  console.log(
    `ratio a/b: ${(median(a.rates) / median(b.rates)).toFixed(3)} answers/s, ${(median(b.cpuUs) / median(a.cpuUs)).toFixed(3)} answers per gateway CPU second (${lanes} lanes over ${principals} key(s), medians of ${slices} x ${sliceMs} ms, load ${load})`,
  );
} finally {
  for (const x of [a, b]) {
    await killProc(x.proc);
    rmSync(x.dir, { recursive: true, force: true });
  }
}
