// A query process: `neo` started by the query pool (pool.ts) with NEO_QUERY_DB set. It
// opens the series store read-only and answers one request at a time over Bun's IPC
// channel. It is a process, not a Worker thread, because nothing can stop a SQLite
// statement running in a Worker (Worker.terminate() waits for it, sqlite3_interrupt is
// not reachable from bun:sqlite): the pool ends a query that runs too long or grows too
// big by killing this process, and the gateway's own memory never holds its rows.
import type { Database } from "bun:sqlite";
import { openDatabase } from "../storage/index.ts";
import { dieWithParent } from "./die-with-parent.ts";
import { executeQuery, type QueryAnswer, type QueryCaps, type QueryRequest } from "./execute.ts";

export interface ChildRequest extends QueryRequest, QueryCaps {
  id: number;
}
export type ChildAnswer = QueryAnswer & { id: number };

export function runQueryChild(): void {
  dieWithParent(Number(process.env.NEO_QUERY_PARENT ?? process.ppid));
  const file = process.env.NEO_QUERY_DB ?? "";
  let db: Database | null = null;
  process.on("message", (m: ChildRequest) => {
    let answer: QueryAnswer;
    try {
      db ??= openDatabase(file, { readonly: true });
      answer = executeQuery(db, m, m);
    } catch (e) {
      answer = { ok: false, status: 500, reason: e instanceof Error ? e.message : String(e) };
    }
    process.send?.({ ...answer, id: m.id });
  });
  // the gateway is gone (or closed the channel): nothing is left to answer
  process.on("disconnect", () => process.exit(0));
}

if (import.meta.main) runQueryChild();
