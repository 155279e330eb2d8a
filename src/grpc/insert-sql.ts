// The one statement Exec runs: `INSERT INTO <table> [(NAME, TIME, VALUE)] VALUES (...), ...`
// with literals or `?` parameters, read into rows for the write batcher. A tag table is a
// view, so neo never hands user SQL to SQLite for writing: anything else Exec is sent is
// refused with what to use instead, as /db/query refuses DDL, ATTACH and PRAGMA.
import { parseTime, RawNumber } from "../ingest/index.ts";
import type { QueryParam } from "../query/index.ts";

export interface InsertStatement {
  table: string;
  /** positions of NAME, TIME, VALUE in each tuple */
  order: [number, number, number];
  /** each tuple's cells: literal values, or { param: i } for the i-th `?` */
  tuples: Cell[][];
}
type Cell = string | RawNumber | null | { param: number };

const TOKEN =
  /\s*(?:(\?)|('(?:[^']|'')*')|("(?:[^"]|"")*")|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([A-Za-z_][\w.$]*)|([(),;]))/y;

export class InsertError extends Error {}

function tokens(sql: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < sql.length) {
    if (/^\s*$/.test(sql.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(sql);
    if (!m) throw new InsertError(`cannot read the statement near ${JSON.stringify(sql.slice(at, at + 20))}`);
    out.push(m[0].trim());
    at = TOKEN.lastIndex;
  }
  return out;
}

const USE =
  "Exec takes INSERT INTO <table> [(NAME, TIME, VALUE)] VALUES (...); read with Query; tables are created by their first write (DDL, ATTACH and PRAGMA are refused as on /db/query)";

/** INSERT ... VALUES -> its parts; anything else is an InsertError saying what Exec takes. */
export function parseInsert(sql: string): InsertStatement {
  if (!/^\s*insert\s/i.test(sql)) throw new InsertError(USE);
  const t = tokens(sql);
  let i = 0;
  const next = () => t[i++] ?? "";
  const expect = (want: string) => {
    const got = next();
    if (got.toUpperCase() !== want) throw new InsertError(`expected ${want}, got ${got === "" ? "the end" : got}`);
  };
  if (next().toUpperCase() !== "INSERT") throw new InsertError(USE);
  expect("INTO");
  const name = next();
  if (!/^[A-Za-z_][\w]*$/.test(name)) throw new InsertError(`expected a table name, got ${name || "the end"}`);
  let order: [number, number, number] = [0, 1, 2];
  if (t[i] === "(") {
    i++;
    const cols: string[] = [];
    for (;;) {
      cols.push(next().replace(/^"|"$/g, "").toUpperCase());
      const sep = next();
      if (sep === ")") break;
      if (sep !== ",") throw new InsertError(`expected "," or ")" in the column list, got ${sep || "the end"}`);
    }
    const idx = ["NAME", "TIME", "VALUE"].map((c) => cols.indexOf(c));
    if (cols.length !== 3 || idx.some((x) => x < 0))
      throw new InsertError(`a tag table's columns are NAME, TIME, VALUE, got (${cols.join(", ")})`);
    order = idx as [number, number, number];
  }
  expect("VALUES");
  const tuples: Cell[][] = [];
  let param = 0;
  for (;;) {
    expect("(");
    const tuple: Cell[] = [];
    for (;;) {
      const v = next();
      if (v === "?") tuple.push({ param: param++ });
      else if (v.startsWith("'")) tuple.push(v.slice(1, -1).replaceAll("''", "'"));
      else if (/^-?[\d.]/.test(v)) tuple.push(new RawNumber(v));
      else if (v.toUpperCase() === "NULL") tuple.push(null);
      else throw new InsertError(`expected a value or ?, got ${v || "the end"}`);
      const sep = next();
      if (sep === ")") break;
      if (sep !== ",") throw new InsertError(`expected "," or ")" in VALUES, got ${sep || "the end"}`);
    }
    if (tuple.length !== 3)
      throw new InsertError(`each VALUES tuple has 3 values (NAME, TIME, VALUE), got ${tuple.length}`);
    tuples.push(tuple);
    if (t[i] !== ",") break;
    i++;
  }
  if (t[i] === ";") i++;
  if (i !== t.length) throw new InsertError(`unexpected ${t[i]} after VALUES (one statement at a time)`);
  return { table: name, order, tuples };
}

/** a TIME cell: ns as a number, or a date text ("2024-01-02 03:04:05[.nnn]" or RFC 3339) */
export function timeOf(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (v instanceof RawNumber) return parseTime(v.raw, "ns");
  if (typeof v === "number") return parseTime(v, "ns");
  if (typeof v === "string") {
    if (/^-?\d+$/.test(v)) return parseTime(v, "ns");
    return parseTime(v, /T/.test(v) ? "RFC3339" : "DEFAULT");
  }
  throw new InsertError(`TIME must be a number of nanoseconds or a date, got ${v === null ? "NULL" : typeof v}`);
}

/** the cells of one tuple with `?` filled in from `params` */
export function bind(tuple: Cell[], params: QueryParam[]): unknown[] {
  return tuple.map((c) => {
    if (c === null || typeof c === "string" || c instanceof RawNumber) return c;
    if (c.param >= params.length) throw new InsertError(`${params.length} parameters for at least ${c.param + 1} ?`);
    return params[c.param];
  });
}
