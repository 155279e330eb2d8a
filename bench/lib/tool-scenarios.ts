// run.ts's scenarios that are whole tools of their own, run as a child process and read
// back from what they print: `pki` (bench/micro/pki-issue.ts), `query-auth`
// (bench/micro/query-ab.ts --b-auth off: /db/query with token auth on vs off, issue 24) and
// `uplink` (bench/bridge-recover.ts: the bridge back after an outage, a half-open uplink,
// neo's beside Mosquitto's, issue 24). Each adds rows to the table and a note with its command.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ExtraRow } from "./report.ts";
import { selected } from "./scenario-defs.ts";

const ROOT = resolve(import.meta.dir, "../..");

export interface ToolScenarioInput {
  only: string[] | null;
  quick: boolean;
  /** the targets in this run (the rows name their values by these) */
  names: string[];
  /** how neo is started (argv prefix), or null when neo is not in the run */
  neoArgv: string[] | null;
  mosquitto: boolean;
  log(msg: string): void;
}

async function tool(argv: string[], timeoutMs: number): Promise<{ out: string; code: number }> {
  const p = Bun.spawn([process.execPath, ...argv], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  clearTimeout(timer);
  return { out, code };
}

const num = (re: RegExp, text: string): number | undefined => {
  const m = re.exec(text);
  return m?.[1] !== undefined ? Number(m[1].replaceAll(",", "")) : undefined;
};

async function pki(n: number, extra: ExtraRow[], notes: string[], log: (m: string) => void): Promise<void> {
  const bench = join(ROOT, "bench/micro/pki-issue.ts");
  if (!existsSync(bench)) return void notes.push("pki: skipped, bench/micro/pki-issue.ts not present");
  log(`pki: key + certificate issuance, n=${n}`);
  const { out, code } = await tool([bench, String(n)], 60_000);
  const med = (k: string) => num(new RegExp(`^${k}: median ([\\d.]+) ms`, "m"), out);
  if (code !== 0 || med("ec") === undefined) return void notes.push(`pki: issue-bench failed (exit ${code})`);
  const row = (label: string, v: number | undefined, digits: number): ExtraRow => ({
    label,
    unit: "ms",
    higherIsBetter: false,
    digits,
    values: { neo: v },
  });
  extra.push(row(`ECDSA P-256 key + client cert issuance, median of ${n} [pki]`, med("ec"), 2));
  if (med("rsa") !== undefined)
    extra.push(row(`RSA-2048 key + client cert issuance, median of ${n} [pki]`, med("rsa"), 1));
  notes.push(
    `pki: \`bun bench/micro/pki-issue.ts ${n}\` (in-process, no CLI start): ${out.trim().split("\n").join("; ")}`,
  );
}

async function queryAuth(neo: string, rounds: number, extra: ExtraRow[], notes: string[]): Promise<void> {
  // fresh server pairs each round (either started first), the generator's raw client (bench/lib/raw-http.ts)
  const argv = ["bench/micro/query-ab.ts", "--a", neo, "--b", neo, "--b-auth", "off", "--rounds", String(rounds)];
  argv.push("--slices", "12", "--slice-ms", "500", "--client", "raw");
  const { out, code } = await tool(argv, 180_000);
  const ratio = num(/^ratio a\/b: ([\d.]+) answers\/s, ([\d.]+)/m, out);
  const perCpu = num(/^ratio a\/b: [\d.]+ answers\/s, ([\d.]+)/m, out);
  if (code !== 0 || ratio === undefined) return void notes.push(`query-auth: query-ab.ts failed (exit ${code})`);
  const on = num(/^a: ([\d,]+) answers\/s/m, out);
  const off = num(/^b: ([\d,]+) answers\/s/m, out);
  const rows: [string, string, number | undefined, boolean, number][] = [
    ["/db/query answers/s, token auth on [query-auth]", "answers/s", on, true, 0],
    ["/db/query answers/s, token auth off [query-auth]", "answers/s", off, true, 0],
    ["/db/query token auth on / off, answers/s [query-auth]", "ratio", ratio, true, 3],
    ["/db/query token auth on / off, per gateway CPU s [query-auth]", "ratio", perCpu, true, 3],
  ];
  for (const [label, unit, v, higherIsBetter, digits] of rows)
    extra.push({ label, unit, higherIsBetter, digits, values: { neo: v } });
  notes.push(`query-auth: \`bun ${argv.join(" ")}\`: ${out.trim().split("\n").slice(-3).join("; ")}`);
}

async function uplink(input: ToolScenarioInput, extra: ExtraRow[], notes: string[]): Promise<void> {
  const only = ["neo", ...(input.mosquitto ? ["mosquitto"] : [])].join(",");
  const outage = input.quick ? 5 : 20;
  const argv = ["bench/bridge-recover.ts", "--outage", String(outage), "--keepalive", "5", "--only", only];
  argv.push("--neo-cmd", (input.neoArgv ?? []).join(" "));
  const { out, code } = await tool(argv, 300_000);
  const line = (target: string) =>
    new RegExp(`^\\| ${target} \\| ([\\d.]+) s \\| ([\\d.]+) s \\| (\\d+) \\|`, "m").exec(out);
  const found = Object.fromEntries(["neo", "mosquitto"].map((t) => [t, line(t)]));
  if (code !== 0 || !found.neo) return void notes.push(`uplink: bridge-recover.ts failed (exit ${code})`);
  const pick = (i: number) =>
    Object.fromEntries(Object.entries(found).map(([t, m]) => [t, m?.[i] !== undefined ? Number(m[i]) : undefined]));
  extra.push(
    {
      label: `bridge back after a ${outage} s outage [uplink]`,
      unit: "s",
      higherIsBetter: false,
      digits: 2,
      values: pick(1),
    },
    {
      label: "half-open uplink closed after (keep-alive 5 s) [uplink]",
      unit: "s",
      higherIsBetter: false,
      digits: 2,
      values: pick(2),
    },
    {
      label: "acknowledged QoS 1 lost over the half-open uplink [uplink]",
      unit: "msgs",
      higherIsBetter: false,
      digits: 0,
      values: pick(3),
    },
  );
  notes.push(`uplink: \`bun ${argv.join(" ")}\``);
}

export async function runToolScenarios(input: ToolScenarioInput): Promise<{ extra: ExtraRow[]; notes: string[] }> {
  const extra: ExtraRow[] = [];
  const notes: string[] = [];
  const neo = input.neoArgv && input.names.includes("neo") ? input.neoArgv.join(" ") : null;
  if (selected("pki", input.only) && neo) await pki(input.quick ? 10 : 20, extra, notes, input.log);
  if (selected("query-auth", input.only) && neo) {
    input.log("query-auth: /db/query with token auth on vs off, alternating slices");
    await queryAuth(neo, input.quick ? 1 : 3, extra, notes);
  }
  if (selected("uplink", input.only) && neo) {
    input.log("uplink: the bridge after an outage and over a half-open uplink, beside Mosquitto's");
    await uplink(input, extra, notes);
  }
  return { extra, notes };
}
