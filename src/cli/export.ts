// `neo export status`: each export's connection to PostgreSQL and its backlog, read from
// its queue file (works with or without a running server).
import { loadConfig } from "../config/index.ts";
import { exportNames, readExportStatus } from "../export/index.ts";
import { NeoError } from "../lib/errors.ts";
import { commonArgs, command } from "./common.ts";
import { age, linkState, printedAsJsonOrNone, STALE_MS } from "./uplink-status.ts";

const status = command({
  meta: {
    name: "status",
    description: "Show each export: connected, rows waiting (entries, bytes, oldest age), rows sent, rows/s, dropped",
  },
  args: {
    ...commonArgs,
    name: { type: "positional", required: false, description: "only this export" },
    json: { type: "boolean", description: "print JSON (one object per export, in an array)" },
  },
  run({ args }) {
    const cfg = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
    const have = new Set(exportNames(cfg.data));
    const names = [...new Set([...(cfg.exports ?? []).map((e) => e.name), ...have])].sort();
    if (args.name && !names.includes(args.name))
      throw new NeoError("not_found", `no export "${args.name}" (known: ${names.join(", ") || "none"})`, 404);
    const now = Date.now();
    const rows = (args.name ? [args.name] : names).map((n) => {
      if (!have.has(n)) return { name: n, running: false, connected: false, queuedEntries: 0, note: "never started" };
      const s = readExportStatus(cfg.data, n, now);
      const live = s.live && !s.live.stopped && now - s.live.updatedAt < STALE_MS ? s.live : null;
      return {
        name: n,
        database: s.live?.database ?? null,
        tables: s.live?.tables ?? [],
        running: live !== null,
        connected: live?.connected ?? false,
        lastError: live?.lastError || null,
        queuedEntries: s.queuedEntries,
        queuedBytes: s.queuedBytes,
        oldestAgeSeconds: s.oldestAgeSeconds === null ? null : Math.round(s.oldestAgeSeconds),
        sentRows: live?.sentRows ?? 0,
        sentPerSecond: live?.sentPerSecond ?? 0,
        dropped: s.live?.droppedEntries ?? 0,
        timescale: s.live?.timescale ?? false,
      };
    });
    if (printedAsJsonOrNone(rows, args.json, `no exports (none configured, no export-*.db in ${cfg.data})`)) return;
    for (const r of rows) {
      const state = linkState(r);
      const x = r as Record<string, unknown>;
      process.stdout.write(
        `${r.name}: ${state}${x.database ? ` to ${x.database}` : ""}${(x.tables as string[] | undefined)?.length ? ` (${(x.tables as string[]).join(", ")})` : ""}\n` +
          `  waiting ${r.queuedEntries} writes, ${x.queuedBytes ?? 0} bytes, oldest ${age((x.oldestAgeSeconds as number | null) ?? null)}\n` +
          `  sent ${x.sentRows ?? 0} rows since start, ${((x.sentPerSecond as number | undefined) ?? 0).toFixed(1)} rows/s, dropped ${x.dropped ?? 0}\n`,
      );
    }
  },
});

export default command({
  meta: { name: "export", description: "Replication to PostgreSQL: status of each Export block" },
  subCommands: { status },
});
