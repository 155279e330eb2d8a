// The PostgreSQL side of an export, on Bun's built-in client (Bun.sql): one table per neo
// table (created if missing; a TimescaleDB hypertable when the extension is installed),
// the gateway's id in every row, and inserts that are idempotent on replay (primary key
// gateway, name, time, seq; ON CONFLICT DO NOTHING). Rows go in as arrays through unnest,
// one statement per table and batch, whatever the row count.
import { readFileSync } from "node:fs";
import { SQL } from "bun";
import type { Columns } from "./entries.ts";

export interface PgSettings {
  url: string;
  tls: {
    mode?: "disable" | "require" | "verify-ca" | "verify-full";
    caFile?: string;
    certFile?: string;
    keyFile?: string;
  };
}

/** the PostgreSQL table of neo table `t` (neo's names are [A-Za-z_][A-Za-z0-9_]*: safe to quote) */
const pgTable = (t: string) => `"${t.toLowerCase()}"`;

const CREATE = (t: string) => `CREATE TABLE IF NOT EXISTS ${pgTable(t)} (
  gateway text NOT NULL,
  name text NOT NULL,
  time bigint NOT NULL,
  seq bigint NOT NULL,
  value double precision,
  unit text,
  string_value text,
  bool_value boolean,
  data_value text,
  sum double precision,
  channel text,
  publisher text,
  subtopic text,
  protocol text,
  ts timestamptz GENERATED ALWAYS AS (to_timestamp(time / 1e9)) STORED,
  PRIMARY KEY (gateway, name, time, seq)
)`;

type TlsOption = Bun.SQL.PostgresOrMySQLOptions["tls"];

function tlsOption(s: PgSettings["tls"]): TlsOption {
  if (!s.mode && !s.caFile && !s.certFile) return undefined;
  if (s.mode === "disable") return false;
  if (s.mode === "require" && !s.caFile && !s.certFile) return "require";
  const o: Bun.TLSOptions & { checkServerIdentity?: () => undefined } = {};
  if (s.caFile) o.ca = readFileSync(s.caFile, "utf8");
  if (s.certFile) o.cert = readFileSync(s.certFile, "utf8");
  if (s.keyFile) o.key = readFileSync(s.keyFile, "utf8");
  // verify-ca: the chain is checked, the host name is not
  if (s.mode === "verify-ca") o.checkServerIdentity = () => undefined;
  return o;
}

export interface PgTarget {
  /** create the tables that are missing (and hypertables where TimescaleDB is installed) */
  prepare(tables: string[]): Promise<{ timescale: boolean }>;
  /** insert every table's rows in one transaction; returns rows new to the database */
  insert(gateway: string, byTable: Map<string, Columns>): Promise<number>;
  close(): Promise<void>;
}

export function connectPg(s: PgSettings): PgTarget {
  const tls = tlsOption(s.tls);
  const sql = new SQL(s.url, {
    max: 1,
    connectionTimeout: 10,
    idleTimeout: 60,
    ...(tls !== undefined ? { tls } : {}),
  });
  return {
    async prepare(tables) {
      for (const t of tables) await sql.unsafe(CREATE(t));
      const ts = await sql`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`;
      if (ts.length > 0)
        for (const t of tables)
          await sql.unsafe(
            `SELECT create_hypertable('${pgTable(t).replaceAll('"', "")}', 'time', chunk_time_interval => 86400000000000, if_not_exists => TRUE, migrate_data => TRUE)`,
          );
      return { timescale: ts.length > 0 };
    },
    async insert(gateway, byTable) {
      let added = 0;
      await sql.begin(async (tx) => {
        for (const [t, c] of byTable) {
          const r = await tx`INSERT INTO ${tx(t.toLowerCase())}
            (gateway, name, time, seq, value, unit, string_value, bool_value, data_value, sum, channel, publisher, subtopic, protocol)
            SELECT ${gateway}, * FROM unnest(${c.name}::text[], ${c.time}::bigint[], ${c.seq}::bigint[], ${c.value}::float8[],
              ${c.unit}::text[], ${c.stringValue}::text[], ${c.boolValue}::boolean[], ${c.dataValue}::text[], ${c.sum}::float8[],
              ${c.channel}::text[], ${c.publisher}::text[], ${c.subtopic}::text[], ${c.protocol}::text[])
            ON CONFLICT DO NOTHING`;
          added += r.count;
        }
      });
      return added;
    },
    close: () => sql.close({ timeout: 1 }),
  };
}
