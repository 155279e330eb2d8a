// Which tables does a statement read? Asked of SQLite itself, never of the text: the
// statement is compiled (not run) on a read-only connection, and every b-tree its program
// opens for reading (`OpenRead`, `ReopenIdx`: tables and their indexes, through views,
// joins, subqueries, CTEs and UNION alike) is mapped by root page to its table in
// sqlite_schema. Table-valued functions open virtual tables (`VOpen`): only json_each
// and json_tree, which read nothing but their argument, are let through. Anything the
// finder cannot name is refused: authorization must never guess.
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import { checkReadOnlySql, openDatabase } from "../storage/index.ts";

type TablesRead = { ok: true; tables: string[] } | { ok: false; status: number; reason: string };

export interface TableFinder {
  /** the tables `sql` reads (user-facing names), or why it cannot be answered */
  tablesRead(sql: string): TablesRead;
  close(): void;
}

/** statements (up to this length) whose answer is kept until the schema changes */
const ANSWERS_KEPT = 256;
const ANSWER_MAX_CHARS = 2048;

/** virtual tables that read only their own argument */
const HARMLESS_VTABS = ["json_each('[]')", "json_tree('{}')"];

interface Op {
  opcode: string;
  p2: number | bigint;
  p3: number | bigint;
  p4: unknown;
}

/**
 * `mapTable` turns a table found in sqlite_schema into the user table a scope names
 * (storage's mapping when user tables are views over internal ones); null = no user may
 * read it; undefined = the name as it is.
 */
export function openTableFinder(file: string, mapTable?: (name: string) => string | null | undefined): TableFinder {
  const db: Database = openDatabase(file, { readonly: true });
  let harmless = new Set<string>();
  /** every statement is finalized at once: one left open would pin an old snapshot (and schema) */
  function rows<T>(sql: string): T[] {
    const st = db.prepare(sql);
    try {
      return st.all() as T[];
    } finally {
      st.finalize();
    }
  }

  function vtabOf(sql: string): string[] {
    return rows<Op>(`EXPLAIN ${sql}`)
      .filter((o) => o.opcode === "VOpen")
      .map((o) => String(o.p4));
  }
  /** each eponymous virtual table has one instance per connection: learn its pointer */
  function learn(): void {
    harmless = new Set(HARMLESS_VTABS.flatMap((f) => vtabOf(`SELECT * FROM ${f}`)));
  }
  learn();

  const refuse = (status: number, reason: string): TablesRead => ({ ok: false, status, reason });

  // The schema by root page, read again only when the schema cookie moved. Reading
  // sqlite_schema also makes this connection reload a schema another connection changed (a
  // table dropped, a view replaced), which EXPLAIN alone would not: it shows the old one.
  // The cookie (PRAGMA schema_version, ~1 µs on a kept statement that runs to its end and so
  // holds no snapshot) moves with every schema change, VACUUM included.
  const cookie = db.prepare<[number], []>("PRAGMA schema_version");
  let schema = new Map<number, string>();
  let schemaAt = Number.NaN;
  // the answers for statements seen under this schema (a dashboard or a poll asks the same
  // text again and again): a statement's tables depend only on its text and the schema
  const answered = new Map<string, TablesRead>();
  function currentSchema(): Map<number, string> {
    const at = Number(cookie.values()[0]?.[0]);
    if (at === schemaAt) return schema;
    answered.clear();
    const next = new Map<number, string>();
    for (const r of rows<{ tbl_name: string; rootpage: number | bigint }>(
      "SELECT tbl_name, rootpage FROM sqlite_schema WHERE rootpage > 0",
    ))
      next.set(Number(r.rootpage), r.tbl_name);
    next.set(1, "sqlite_schema");
    schema = next;
    schemaAt = at; // a change between the two reads moves the cookie again: read again next time
    return schema;
  }

  function tablesRead(sql: string): TablesRead {
    const schema = currentSchema();
    const known = answered.get(sql);
    if (known) return known;
    const found = find(sql, schema);
    if (found.ok && sql.length <= ANSWER_MAX_CHARS) {
      if (answered.size >= ANSWERS_KEPT) answered.delete(answered.keys().next().value as string);
      Object.freeze(found.tables);
      answered.set(sql, found);
    }
    return found;
  }

  function find(sql: string, schema: Map<number, string>): TablesRead {
    let body: string;
    let ops: Op[];
    try {
      body = checkReadOnlySql(sql);
      // EXPLAIN [QUERY PLAN] <stmt> shows how <stmt> reads: it needs what <stmt> needs
      const explained = /^\s*explain\s+(?:query\s+plan\s+)?/i.exec(body);
      if (explained) return find(body.slice(explained[0].length), schema);
      const st = db.prepare(body);
      const readonly = st.readonly;
      st.finalize();
      if (!readonly) return refuse(400, "only read-only statements are allowed");
      ops = rows<Op>(`EXPLAIN ${body}`);
    } catch (e) {
      return refuse(e instanceof NeoError ? e.status : 400, e instanceof Error ? e.message : String(e));
    }
    const roots = new Set<number>();
    let relearned = false;
    for (const o of ops) {
      if (o.opcode === "OpenRead" || o.opcode === "ReopenIdx") {
        if (Number(o.p3) !== 0) return refuse(403, "not allowed to read the temp or an attached database");
        roots.add(Number(o.p2));
      } else if (o.opcode === "VOpen") {
        if (!harmless.has(String(o.p4)) && !relearned) {
          learn(); // a schema reset may have made new instances
          relearned = true;
        }
        if (!harmless.has(String(o.p4)))
          return refuse(403, "not allowed to use this table-valued function (json_each and json_tree only)");
      } else if (o.opcode === "OpenWrite") {
        return refuse(400, "only read-only statements are allowed");
      }
    }
    if (roots.size === 0) return { ok: true, tables: [] };
    const tables = new Set<string>();
    for (const root of roots) {
      const name = schema.get(root);
      if (name === undefined) return refuse(403, `not allowed to read an unknown b-tree (root page ${root})`);
      // the schema itself (table names and their SQL) is for keys that may read every table
      const user = mapTable && root !== 1 ? mapTable(name) : undefined;
      if (user === null) return refuse(403, `not allowed to read table ${name}`);
      tables.add(user ?? name);
    }
    return { ok: true, tables: [...tables].sort() };
  }

  return {
    tablesRead,
    close: () => {
      cookie.finalize();
      db.close();
    },
  };
}
