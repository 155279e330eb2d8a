// Generator process entry: reads a GenSpec (JSON) on stdin, runs one scenario against the
// broker it names, prints one GenResult JSON line on stdout. Spawned by bench/run.ts.
import type { GenResult, GenSpec } from "./spec.ts";
import { runConnect } from "./scenarios/connect.ts";
import { runDbAppend } from "./scenarios/db-append.ts";
import { runIdleRss } from "./scenarios/idle-rss.ts";
import { runLatency } from "./scenarios/latency.ts";
import { runQos0 } from "./scenarios/qos0.ts";
import { runQos1 } from "./scenarios/qos1.ts";
import { runStorm } from "./scenarios/storm.ts";
import { runIdleMany } from "./scenarios/idle-many.ts";

const scenarios: Record<GenSpec["scenario"], (s: GenSpec) => Promise<GenResult>> = {
  qos0: runQos0,
  qos1: runQos1,
  connect: runConnect,
  latency: runLatency,
  "idle-rss": runIdleRss,
  "db-append": runDbAppend,
  storm: runStorm,
  "idle-many": runIdleMany,
};

const spec = JSON.parse(await new Response(Bun.stdin.stream()).text()) as GenSpec;
const fn = scenarios[spec.scenario];
if (!fn) {
  console.error(`unknown scenario ${spec.scenario}`);
  process.exit(2);
}
try {
  const result = await fn(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (e) {
  console.error((e as Error).stack ?? String(e));
  process.exit(1);
}
