// `neo shell audit [--client ID] [--user NAME] [--result ok|fail] [--kind auth|change|ban|deny]
//  [--since 1h] [--limit N] [--format plain|json]`: the audit trail, newest first.
import { loadConfig } from "../config/index.ts";
import { usageError } from "../lib/errors.ts";
import { auditJson, openAuditLog, parseAuditFilter } from "../registry/index.ts";
import { commonArgs, command } from "./common.ts";
import { plainTable, rfc3339 } from "./shell-key-format.ts";

/** a refused credential's client or user is only claimed: shown as `claimed:<name>` */
function claimedOr(e: { detail?: string }, name: string | undefined): string {
  if (name === undefined) return "-";
  return e.detail?.includes('"claimed":true') ? `claimed:${name}` : name;
}

export default command({
  meta: {
    name: "audit",
    description: "Authentication outcomes, authorization refusals and changes to keys, channels, users and PATs",
  },
  args: {
    ...commonArgs,
    client: { type: "string", description: "only events about this client id" },
    user: { type: "string", description: "only events about (or by) this user" },
    result: { type: "string", description: "ok or fail" },
    kind: { type: "string", description: "auth, change, ban or deny (authorization refusals)" },
    since: { type: "string", description: 'how far back ("1h", "30m", "7d") or a date' },
    limit: { type: "string", description: "at most this many events (default 100)" },
    format: { type: "string", description: "plain (default) or json" },
  },
  run({ args }) {
    const format = args.format ?? "plain";
    if (format !== "plain" && format !== "json") throw usageError(`--format must be plain or json, got ${format}`);
    let filter: ReturnType<typeof parseAuditFilter>;
    try {
      filter = parseAuditFilter(
        {
          client: args.client,
          user: args.user,
          result: args.result,
          kind: args.kind,
          since: args.since,
          limit: args.limit ?? "100",
        },
        Date.now(),
      );
    } catch (e) {
      throw usageError(e instanceof Error ? e.message : String(e));
    }
    const cfg = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
    const log = openAuditLog(cfg.data, { maxEvents: cfg.audit.maxEvents });
    try {
      const events = log.query(filter);
      if (format === "json") {
        process.stdout.write(`${JSON.stringify(events.map(auditJson), null, 2)}\n`);
        return;
      }
      if (events.length === 0) {
        process.stdout.write("no matching events\n");
        return;
      }
      const rows = events.map((e) => [
        rfc3339(e.at),
        e.kind,
        e.action,
        e.result,
        e.method ?? "-",
        e.listener ?? "-",
        e.address ?? "-",
        claimedOr(e, e.client),
        claimedOr(e, e.user),
        e.target ?? "-",
        e.reason ?? "",
      ]);
      process.stdout.write(
        plainTable(
          ["TIME", "KIND", "ACTION", "RESULT", "METHOD", "LISTENER", "ADDRESS", "CLIENT", "USER", "TARGET", "REASON"],
          rows,
        ),
      );
    } finally {
      log.close();
    }
  },
});
