// A query process: `neo` started by the query pool (pool.ts) with NEO_QUERY_DB set. It
// opens the series store read-only and answers one request at a time over Bun's IPC
// channel. It is a process, not a Worker thread, because nothing can stop a SQLite
// statement running in a Worker (Worker.terminate() waits for it, sqlite3_interrupt is
// not reachable from bun:sqlite): the pool ends a query that runs too long or grows too
// big by killing this process, and the gateway's own memory never holds its rows.
// A large answer goes out in pieces ({id, chunk}); at most WINDOW of them wait for the
// pool's {id, ack} at a time, so a slow reader slows the query instead of filling memory.
import type { Database } from "bun:sqlite";
import { openDatabase } from "../storage/index.ts";
import { dieWithParent } from "./die-with-parent.ts";
import { startMemoryGuard } from "./memory-guard.ts";
import { type QueryAnswer, type QueryCaps, type QueryRequest, queryChunks } from "./execute.ts";

export interface ChildRequest extends QueryRequest, QueryCaps {
  id: number;
}
/** pool -> child: a query, or the acknowledgement of one piece of the running answer */
export type ToChild = ChildRequest | { id: number; ack: true };
export type ChildAnswer = QueryAnswer & { id: number };
/** child -> pool: a piece of the running answer, or the end of it */
export type FromChild = ChildAnswer | { id: number; chunk: string };

/** pieces sent and not yet acknowledged before the query waits */
export const WINDOW = 4;

export function runQueryChild(): void {
  dieWithParent(Number(process.env.NEO_QUERY_PARENT ?? process.ppid));
  // Query.MaxMemory, held from inside: a statement blocks this thread, not the guard's
  const max = Number(process.env.NEO_QUERY_MAX_MEMORY ?? 0);
  const guard = max > 0 ? startMemoryGuard(max) : undefined;
  const file = process.env.NEO_QUERY_DB ?? "";
  let db: Database | null = null;
  let unacked = 0;
  let wake: (() => void) | null = null;

  async function answer(m: ChildRequest): Promise<void> {
    let result: QueryAnswer;
    unacked = 0;
    guard?.busy();
    try {
      db ??= openDatabase(file, { readonly: true });
      const gen = queryChunks(db, m, m);
      for (;;) {
        const step = gen.next();
        if (step.done) {
          result = step.value;
          break;
        }
        process.send?.({ id: m.id, chunk: step.value } satisfies FromChild);
        unacked++;
        while (unacked >= WINDOW) await new Promise<void>((r) => (wake = r));
      }
    } catch (e) {
      result = { ok: false, status: 500, reason: e instanceof Error ? e.message : String(e) };
    }
    process.send?.({ ...result, id: m.id } satisfies FromChild);
    guard?.idle();
  }

  process.on("message", (m: ToChild) => {
    if ("ack" in m) {
      unacked--;
      const w = wake;
      wake = null;
      w?.();
      return;
    }
    void answer(m);
  });
  // the gateway is gone (or closed the channel): nothing is left to answer
  process.on("disconnect", () => process.exit(0));
}

if (import.meta.main) runQueryChild();
