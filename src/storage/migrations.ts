// Ordered, idempotent schema changes per scope ("series", "registry", ...), recorded in
// one bookkeeping table so several subsystems can share a file or use their own.
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";

export interface Migration {
  id: number;
  sql: string;
}

/** Apply every migration of `scope` not yet recorded, each in its own transaction. Returns the ids applied. */
export function runMigrations(db: Database, scope: string, migrations: Migration[]): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS _neo_migrations (scope TEXT NOT NULL, id INTEGER NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (scope, id))",
  );
  const sorted = [...migrations].sort((a, b) => a.id - b.id);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) {
      throw new NeoError("migration_duplicate", `duplicate migration id ${sorted[i]!.id} in scope ${scope}`, 500);
    }
  }
  const done = new Set<number>(
    db
      .query<{ id: bigint | number }, [string]>("SELECT id FROM _neo_migrations WHERE scope = ?")
      .all(scope)
      .map((r) => Number(r.id)),
  );
  const record = db.prepare("INSERT INTO _neo_migrations (scope, id, applied_at) VALUES (?, ?, ?)");
  const applied: number[] = [];
  for (const m of sorted) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(scope, m.id, Date.now());
    })();
    applied.push(m.id);
  }
  return applied;
}
