// `neo shell table ...`: the series store's tag tables.
//   neo shell table list [--format box|json]    rows, bytes, oldest/newest, retention, rollups
//   neo shell table set <TABLE> [--retention 7d|off|default] [--rollup 1m,1h|1m:30d|off]
// A new rollup is filled from the stored rows in small steps recorded in the store: if this
// command is stopped before the end, a running server (or the next start) finishes it, and
// `table list` shows "1m (filling 45%)" meanwhile.
// Works on the data dir directly, with or without a running server: a running server's
// writer sees new settings before its next commit, its retention pass within a minute.
import { listTables, setTable, type TableInfo, tableInfoJson } from "../app/index.ts";
import { loadConfig } from "../config/index.ts";
import { usageError } from "../lib/errors.ts";
import { commonArgs, command } from "./common.ts";
import { formatTime, renderBox } from "./shell-key-format.ts";

const out = (s: string) => process.stdout.write(s);
const configOf = (args: { data?: string; config?: string }) =>
  loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });

const human = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;
const fillPercent = (f: { done: number; total: number }) =>
  `${f.total === 0 ? 0 : Math.min(99, Math.floor((100 * f.done) / f.total))}%`;
const when = (ns: bigint | null) => (ns === null ? "-" : formatTime(Number(ns / 1_000_000n)));

function tablesBox(tables: readonly TableInfo[]): string {
  const rows = tables.map((t, i) => [
    String(i + 1),
    t.name,
    String(t.rows),
    human(t.bytes),
    when(t.oldest),
    when(t.newest),
    t.retention,
    t.rollups.length === 0
      ? "-"
      : t.rollups
          .map(
            (r) =>
              `${r.every}${r.retention === "off" ? "" : `:${r.retention}`}${r.filling ? ` (filling ${fillPercent(r.filling)})` : ""}`,
          )
          .join(","),
  ]);
  return renderBox(
    [
      { title: "ROWNUM", min: 6, right: true },
      { title: "NAME", min: 4 },
      { title: "ROWS", min: 4, right: true },
      { title: "BYTES", min: 5, right: true },
      { title: "OLDEST", min: 6 },
      { title: "NEWEST", min: 6 },
      { title: "RETENTION", min: 9 },
      { title: "ROLLUPS", min: 7 },
    ],
    rows,
  );
}

const list = command({
  meta: {
    name: "list",
    description: "List tag tables: rows, bytes on disk, oldest and newest time, retention, rollups",
  },
  args: { ...commonArgs, format: { type: "string", description: "box (default) or json" } },
  run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    const tables = listTables(configOf(args));
    out(format === "json" ? `${JSON.stringify(tables.map(tableInfoJson), null, 2)}\n` : tablesBox(tables));
  },
});

const set = command({
  meta: { name: "set", description: "Set a table's retention and rollups" },
  args: {
    ...commonArgs,
    table: { type: "positional", required: true, description: "tag table name" },
    retention: {
      type: "string",
      description: 'delete rows older than this ("7d", "12w", "1y"), "off", or "default" (Storage.Retention)',
    },
    rollup: {
      type: "string",
      description: 'rollup intervals, e.g. "1m,1h" or "1m:30d,1h" (interval:retention), or "off"',
    },
  },
  run({ args }) {
    // a dropped SSH session must not stop a rollup fill half-way (a running server or the
    // next start would finish it anyway: the fill is recorded as pending in the store)
    process.on("SIGHUP", () => {});
    if (args.retention === undefined && args.rollup === undefined) throw usageError("give --retention and/or --rollup");
    const info = setTable(configOf(args), args.table, {
      ...(args.retention !== undefined ? { retention: args.retention } : {}),
      ...(args.rollup !== undefined ? { rollups: args.rollup } : {}),
    });
    out(tablesBox(info));
    for (const r of info[0]?.rollups ?? []) out(`rollup ${r.every}: select * from ${r.table}\n`);
  },
});

export default command({
  meta: { name: "table", description: "Tag tables: list, retention, rollups" },
  subCommands: { list, set },
});
