// A cheap first line for /db/query: exactly one statement, and it must start like a read.
// The real guarantee is the read-only connection (see series.ts); this only gives
// callers a clear reason instead of a confusing SQLite message.
import { NeoError } from "../lib/errors.ts";

const READ_KEYWORDS = new Set(["SELECT", "WITH", "VALUES", "EXPLAIN"]);

/** Skip whitespace, `-- line` and `/* block *\/` comments from index i. */
function skipTrivia(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith("--", i)) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else {
      return i;
    }
  }
}

/** Index of the first top-level `;` (outside strings, identifiers and comments), or -1. */
function firstSemicolon(sql: string): number {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      i++;
      while (i < sql.length) {
        if (sql[i] === close) {
          if (close !== "]" && sql[i + 1] === close) {
            i += 2;
            continue;
          } // doubled quote escape
          break;
        }
        i++;
      }
      i++;
    } else if (sql.startsWith("--", i) || sql.startsWith("/*", i)) {
      i = skipTrivia(sql, i);
    } else if (c === ";") {
      return i;
    } else {
      i++;
    }
  }
  return -1;
}

/** Throws NeoError 400 unless `sql` is a single statement starting with a read keyword. Returns it without a trailing `;`. */
export function checkReadOnlySql(sql: string): string {
  const start = skipTrivia(sql, 0);
  if (start >= sql.length) throw new NeoError("empty_query", "empty query", 400);
  const semi = firstSemicolon(sql);
  let body = sql;
  if (semi >= 0) {
    if (skipTrivia(sql, semi + 1) < sql.length) {
      throw new NeoError("multiple_statements", "only a single statement is allowed", 400);
    }
    body = sql.slice(0, semi);
  }
  const word = /^[A-Za-z]+/.exec(sql.slice(start))?.[0]?.toUpperCase() ?? "";
  if (!READ_KEYWORDS.has(word)) {
    throw new NeoError(
      "read_only",
      `only read-only statements are allowed (SELECT, WITH, VALUES, EXPLAIN), got ${word || "?"}`,
      400,
    );
  }
  return body;
}
