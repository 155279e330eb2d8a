// /db/query throughput of two neo builds side by side, as a same-run ratio:
// `bun bench/micro/query-ab.ts [--a "<argv prefix>"] [--b "<argv prefix>"] [--lanes 4] [--principals 1]
//   [--rounds 3] [--slices 8] [--slice-ms 1000] [--sql "select 1"] [--b-auth off] [--client fetch|raw]`
// (--b-auth off: b runs with HTTP token auth off and is asked without a token: the
// token-auth on vs off ratio of one build, issue 24's ">= 0.95x")
// (default a = this checkout from source, b = the same; e.g. --b "bun /tmp/neo-30f90e3/src/main.ts").
//
// Each round starts a fresh pair of `neo serve` processes (HTTP token auth on, `--principals`
// keys each; the one started first alternates between rounds, since two processes of ONE
// build differ by a few % from start to start: JIT, heap layout), warms both up, then this
// process drives `--lanes` loops of `GET /db/query?q=<sql>` (lanes spread over the keys) at
// one of them per slice, alternating (which goes first alternates too), so both see the same
// machine load. Per build: the median answers/s over its slices (200s only; other statuses
// are counted and shown), the gateway's CPU microseconds per answer (/proc/<pid>/stat), its
// query processes' (the gateway's live children) and this generator's own. The ratio is the
// median of the rounds' ratios. `--client raw` asks over kept-alive sockets with a request
// written once (bench/lib/raw-http.ts) instead of fetch(): the generator then costs a
// fraction of the CPU it takes from the 2 cores the servers share with it. Servers are
// killed by PID after each round.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { childrenCpuSeconds, killProc, procCpuSeconds, waitForLine } from "../lib/proc.ts";
import { openRawHttp, type RawHttp } from "../lib/raw-http.ts";

const ROOT = resolve(import.meta.dir, "../..");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};
const self = `${process.execPath} ${join(ROOT, "src/main.ts")}`;
const cmds = { a: arg("a", self), b: arg("b", self) };
const rounds = Number(arg("rounds", "3"));
const slices = Number(arg("slices", "8"));
const sliceMs = Number(arg("slice-ms", "1000"));
const lanes = Number(arg("lanes", "4"));
const principals = Number(arg("principals", "1"));
const sql = arg("sql", "select 1");
const bOpen = arg("b-auth", "on") === "off";
const raw = arg("client", "fetch") === "raw";

type Label = "a" | "b";
interface Figures {
  rates: number[];
  cpuUs: number[];
  kidsUs: number[];
  genUs: number[];
  other: Map<number, number>;
}
const figures = (): Figures => ({ rates: [], cpuUs: [], kidsUs: [], genUs: [], other: new Map() });
const all: Record<Label, Figures> = { a: figures(), b: figures() };

async function start(label: Label) {
  const dir = mkdtempSync(join(tmpdir(), `neo-bench-query-${label}-`));
  const neo = cmds[label].split(" ").filter(Boolean);
  const data = ["--data", join(dir, "d")];
  const tokens: string[] = [];
  for (let i = 0; i < principals; i++) {
    const gen = Bun.spawnSync([...neo, "shell", "key", "gen", `q${i}`, "--output", join(dir, `k${i}`), ...data]);
    if (gen.exitCode !== 0) throw new Error(gen.stderr.toString());
    tokens.push((await Bun.file(join(dir, `k${i}_token`)).text()).trim());
  }
  const open = label === "b" && bOpen;
  const proc = Bun.spawn([...neo, "serve", ...data, "--host", "127.0.0.1"], {
    stdout: "pipe",
    stderr: "ignore",
    env: {
      ...process.env,
      NEO_HTTP_PORT: "0",
      NEO_MQTT_PORT: "0",
      NEO_HTTP_ENABLE_TOKEN_AUTH: open ? "false" : "true",
    },
  });
  const line = await waitForLine(proc, (l) => l.includes('"ready"'), 20_000);
  const hostPort = (JSON.parse(line) as { http: string }).http;
  const path = `/db/query?q=${encodeURIComponent(sql)}`;
  // built once per lane: the generator's own work is the same for every request of a build
  const laneHeaders = Array.from(
    { length: lanes },
    (_, lane): Record<string, string> => (open ? {} : { authorization: `Bearer ${tokens[lane % tokens.length]}` }),
  );
  const conns: RawHttp[] = raw ? await Promise.all(laneHeaders.map((h) => openRawHttp(hostPort, "GET", path, h))) : [];
  return {
    label,
    dir,
    proc,
    url: `http://${hostPort}${path}`,
    headers: laneHeaders.map((h) => new Headers(h)),
    conns,
    f: all[label],
  };
}

type Build = Awaited<ReturnType<typeof start>>;

async function ask(b: Build, lane: number): Promise<number> {
  const c = b.conns[lane];
  if (c) return c.ask();
  const r = await fetch(b.url, { headers: b.headers[lane] as Headers });
  await r.arrayBuffer();
  return r.status;
}

/** one slice at `b`; its answers/s and CPU per answer, when recorded */
async function slice(b: Build, record: boolean): Promise<number | undefined> {
  const cpu0 = procCpuSeconds(b.proc.pid);
  const kids0 = childrenCpuSeconds(b.proc.pid);
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + sliceMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (performance.now() < until) {
        const status = await ask(b, lane);
        if (status === 200) n++;
        else if (record) b.f.other.set(status, (b.f.other.get(status) ?? 0) + 1);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const cpu = procCpuSeconds(b.proc.pid) - cpu0;
  const kids = childrenCpuSeconds(b.proc.pid) - kids0;
  if (!record || n === 0) return undefined;
  b.f.rates.push(n / secs);
  b.f.cpuUs.push((cpu * 1e6) / n);
  b.f.kidsUs.push((kids * 1e6) / n);
  b.f.genUs.push((gen.user + gen.system) / n);
  return n / secs;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const loadavg = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");

const roundRatios: number[] = [];
const roundCpuRatios: number[] = [];
const loadBefore = await loadavg();
for (let r = 0; r < rounds; r++) {
  const first: Label = r % 2 === 0 ? "a" : "b";
  const x = await start(first);
  let y: Build | undefined;
  try {
    y = await start(first === "a" ? "b" : "a");
    const [a, b] = x.label === "a" ? [x, y] : [y, x];
    // warm-up: query processes started and the request path compiled, both
    for (let w = 0; w < 2; w++) for (const z of w % 2 ? [b, a] : [a, b]) await slice(z, false);
    const ra: number[] = [];
    const rb: number[] = [];
    const ca = a.f.cpuUs.length;
    const cb = b.f.cpuUs.length;
    for (let i = 0; i < slices; i++) {
      for (const z of (i + r) % 2 === 0 ? [a, b] : [b, a]) {
        const v = await slice(z, true);
        if (v !== undefined) (z === a ? ra : rb).push(v);
      }
    }
    const ratio = median(ra) / median(rb);
    const cpuRatio = median(b.f.cpuUs.slice(cb)) / median(a.f.cpuUs.slice(ca));
    roundRatios.push(ratio);
    roundCpuRatios.push(cpuRatio);
    console.log(
      `round ${r + 1} (${first} started first): a/b ${ratio.toFixed(3)} answers/s, ${cpuRatio.toFixed(3)} per gateway CPU s (load ${await loadavg()})`,
    );
  } finally {
    for (const z of [x, y]) {
      if (!z) continue;
      for (const c of z.conns) c.close();
      await killProc(z.proc);
      rmSync(z.dir, { recursive: true, force: true });
    }
  }
}
for (const label of ["a", "b"] as const) {
  const f = all[label];
  const other = [...f.other].map(([s, c]) => `${c} x ${s}`).join(", ") || "none";
  console.log(
    `${label}: ${Math.round(median(f.rates)).toLocaleString("en")} answers/s, ${median(f.cpuUs).toFixed(0)} µs gateway CPU per answer (+ ${median(f.kidsUs).toFixed(0)} µs in query processes, ${median(f.genUs).toFixed(0)} µs in this generator), other statuses: ${other} (${cmds[label]})`,
  );
}
console.log(
  `ratio a/b: ${median(roundRatios).toFixed(3)} answers/s, ${median(roundCpuRatios).toFixed(3)} answers per gateway CPU second (medians of ${rounds} round(s): ${roundRatios.map((x) => x.toFixed(3)).join(", ")}; ${lanes} lanes over ${principals} key(s), ${raw ? "raw" : "fetch"} client, ${slices} x ${sliceMs} ms a round each, load ${loadBefore} -> ${await loadavg()})`,
);
