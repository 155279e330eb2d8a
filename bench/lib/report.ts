// Turns outcomes into the side-by-side table (stdout and bench/RESULTS.md).
import type { Outcome } from "./runner.ts";
import type { Row, ScenarioDef } from "./scenario-defs.ts";

export interface Cell {
  def: ScenarioDef;
  target: string;
  outcome: Outcome;
}

export interface ExtraRow {
  label: string;
  unit: string;
  values: Record<string, number | undefined>;
  higherIsBetter: boolean;
  digits?: number;
}

const GEN_BOUND = 0.9; // fraction of one core

function fmt(v: number, digits?: number, scale = 1): string {
  if (!Number.isFinite(v)) return "n/a";
  const x = v / scale;
  const d = digits ?? (x >= 100 ? 0 : x >= 10 ? 1 : 2);
  return x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "";
  return `${(a / b).toFixed(2)}x`;
}

export interface Table {
  header: string[];
  rows: string[][];
  notes: string[];
}

export function buildTable(defs: ScenarioDef[], cells: Cell[], targets: string[], extra: ExtraRow[]): Table {
  const others = targets.filter((t) => t !== "mosquitto");
  const hasMosq = targets.includes("mosquitto");
  const header = ["figure", "unit", ...targets, ...(hasMosq ? others.map((t) => `${t}/mosquitto`) : [])];
  const rows: string[][] = [];
  const notes: string[] = [];
  const get = (def: ScenarioDef, t: string) => cells.find((c) => c.def.key === def.key && c.target === t)?.outcome;

  for (const def of defs) {
    for (const row of def.rows) {
      const values: Record<string, number | undefined> = {};
      const shown: string[] = [];
      for (const t of targets) {
        const o = get(def, t);
        if (!o) {
          shown.push("");
          continue;
        }
        if (o.status !== "ok") {
          shown.push(o.status === "skipped" && o.reason === "not applicable" ? "-" : o.status);
          continue;
        }
        const v = o.result.metrics[row.metric];
        values[t] = v;
        let s = v === undefined ? "n/a" : fmt(v, row.digits, row.scale);
        if (def.cpu && row === def.rows[0] && o.result.cpu && o.result.cpu.genCpu >= GEN_BOUND) s += " (gen-bound)";
        if (o.result.notes.some((n) => /lost|never|failed|only/.test(n))) s += " *";
        shown.push(s);
      }
      const ratios = hasMosq ? others.map((t) => ratio(values[t], values.mosquitto)) : [];
      rows.push([`${row.label} [${def.key}]`, unitLabel(row), ...shown, ...ratios]);
    }
    if (def.cpu) {
      const shown = targets.map((t) => {
        const o = get(def, t);
        return o?.status === "ok" && o.result.cpu ? `${pct(o.result.cpu.genCpu)} / ${pct(o.result.cpu.brokerCpu)}` : "";
      });
      rows.push([
        `  CPU generator / broker [${def.key}]`,
        "% core",
        ...shown,
        ...(hasMosq ? others.map(() => "") : []),
      ]);
    }
    for (const t of targets) {
      const o = get(def, t);
      if (!o) continue;
      if (o.status === "ok") for (const n of o.result.notes) notes.push(`${def.key} / ${t}: ${n}`);
      else if (o.reason !== "not applicable") notes.push(`${def.key} / ${t}: ${o.status}: ${o.reason}`);
    }
  }
  for (const x of extra) {
    const shown = targets.map((t) => (x.values[t] === undefined ? "" : fmt(x.values[t]!, x.digits)));
    const ratios = hasMosq ? others.map((t) => ratio(x.values[t], x.values.mosquitto)) : [];
    rows.push([x.label, x.unit, ...shown, ...ratios]);
  }
  return { header, rows, notes };
}

const pct = (f: number) => `${Math.round(f * 100)}%`;
const unitLabel = (r: Row) => r.unit + (r.higherIsBetter ? " ↑" : " ↓");

export function toText(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(t.header), widths.map((w) => "-".repeat(w)).join("  "), ...t.rows.map(line)].join("\n");
}

export function toMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${t.header.map(esc).join(" | ")} |`,
    `|${t.header.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`,
    ...t.rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}
