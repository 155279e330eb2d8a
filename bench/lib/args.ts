// Command-line flags of bench/run.ts.
import { parseArgs } from "node:util";

export interface BenchArgs {
  only: string[] | null; // scenario keys or prefixes
  brokers: string[]; // neo, mosquitto, aedes, neo-scraped (neo with /metrics read every second),
  // neo-scoped (20 scopes per key)
  quick: boolean;
  repeat: number; // runs per (scenario, broker); the best is reported
  neoCmd?: string; // e.g. "dist/neo" or "bun src/main.ts"
  neoBaseCmd?: string; // argv prefix of the neo-base broker
  latencyWarmupMs?: number; // traffic before the latency scenarios start measuring (default 500 ms)
  out: string | null; // results markdown path, null = don't write
  help: boolean;
}

export const USAGE = `usage: bun bench/run.ts [--quick] [--only qos0,connect,...] [--brokers neo,mosquitto,aedes]
                      [--repeat N] [--neo-cmd "<argv prefix>"] [--out FILE | --no-write]
scenarios: qos0-fanin qos0-fanout qos1 connect latency idle-rss db-append tls-connect tls-qos0 tls-qos1 footprint start pki
  (--only takes keys or prefixes: "qos0" = both qos0 runs, "tls" = all TLS runs; "=latency" = that key alone)
--brokers also takes neo-scraped: neo with GET /metrics every second during the run, and
           neo-base: neo run by --neo-base-cmd "<argv prefix>" (e.g. another checkout, for before/after)
--brokers  also "bun-bare": a bare Bun.listen answering CONNACK/PINGRESP/SUBACK only (the storm's floor)
--brokers  also "neo-scoped": neo with 20 scopes per key (%c, denies), for the cost of scopes
--repeat N run each (scenario, broker) N times, brokers interleaved, and report the best run
           (highest rate / lowest latency): filters out other load on a shared machine
--latency-warmup MS  traffic at the scenario's rate before the latency-* runs measure (default 500):
           a fresh broker's first seconds (its JIT compiling the hot path) left out of the figure
--quick    short runs (< 60 s in all), 1,000 idle connections only; writes bench/out/RESULTS-quick.md
default    full run (~3-5 min); writes bench/RESULTS.md`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      brokers: { type: "string" },
      quick: { type: "boolean", default: false },
      repeat: { type: "string" },
      "neo-cmd": { type: "string" },
      "neo-base-cmd": { type: "string" },
      "latency-warmup": { type: "string" },
      out: { type: "string" },
      "no-write": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const list = (s: string | undefined) =>
    s
      ? s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : null;
  const quick = values.quick ?? false;
  const out = values["no-write"] ? null : (values.out ?? (quick ? "bench/out/RESULTS-quick.md" : "bench/RESULTS.md"));
  return {
    only: list(values.only),
    brokers: list(values.brokers) ?? ["neo", "mosquitto", "aedes"],
    quick,
    repeat: Math.max(1, Math.min(9, Number(values.repeat ?? 1) || 1)),
    ...(values["neo-cmd"] ? { neoCmd: values["neo-cmd"] } : {}),
    ...(values["neo-base-cmd"] ? { neoBaseCmd: values["neo-base-cmd"] } : {}),
    ...(values["latency-warmup"] ? { latencyWarmupMs: Math.max(0, Number(values["latency-warmup"]) || 0) } : {}),
    out,
    help: values.help ?? false,
  };
}
