// Export "name" { ... }: tables replicated to a PostgreSQL database (any number of blocks).
import { hostname } from "node:os";
import type { ExportConfig } from "../types.ts";
import { int, oneOf, path, size, str } from "./leaves.ts";
import type { ConfigPatch, ExportPatch } from "./patch.ts";
import { got, list, q, type Ctx, type LabelledSpec, type LeafSpec, type Section } from "./spec.ts";
import { redactUrl } from "../../lib/redact-url.ts";

const DEFAULTS = { batch: 1000, maxBytes: 256_000_000 } as const;

/** the block being read (start() opened it) */
const exp = (p: ConfigPatch): ExportPatch => p.exports?.at(-1) as ExportPatch;

const postgres: LeafSpec = {
  kind: "leaf",
  type: "URL: postgres://user:password@host:port/database",
  read: (v) => {
    if (v.kind !== "string") return `expected a URL like "postgres://neo@db.example.com:5432/plant", got ${got(v)}`;
    let u: URL;
    try {
      u = new URL(v.value);
    } catch {
      return "invalid URL (expected postgres://user:password@host:port/database)";
    }
    if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
      return `unsupported scheme "${u.protocol.slice(0, -1)}" (use postgres)`;
    if (u.hostname === "") return "no host in the Postgres URL";
    return (p) => (exp(p).postgres = v.value);
  },
};

const tables: LeafSpec = {
  kind: "leaf",
  type: "list of table names",
  read: (v) => {
    if (v.kind !== "list") return `expected a list like ["SENSORS"], got ${got(v)}`;
    const out: string[] = [];
    for (const it of v.items) {
      if (it.kind !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(it.value))
        return `expected table names (letters, digits, "_"), got ${got(it)}`;
      out.push(it.value.toUpperCase());
    }
    if (out.length === 0) return "name at least one table";
    return (p) => (exp(p).tables = out);
  },
};

const spec: LabelledSpec = {
  kind: "labelled",
  label: (name) =>
    /^[A-Za-z0-9_-]{1,64}$/.test(name)
      ? undefined
      : `export name ${JSON.stringify(name)}: use 1-64 letters, digits, "-" or "_" (it names a file and a $SYS topic)`,
  start: (p, name, pos) => (p.exports ??= []).push({ name, pos, tls: {}, buffer: {} }),
  fields: {
    Postgres: postgres,
    Tables: tables,
    Gateway: str((p, s) => (exp(p).gateway = s)),
    Tls: {
      kind: "block",
      fields: {
        Mode: oneOf(["disable", "require", "verify-ca", "verify-full"] as const, (p, m) => (exp(p).tls.mode = m)),
        CaFile: path((p, f) => (exp(p).tls.caFile = f)),
        CertFile: path((p, f) => (exp(p).tls.certFile = f)),
        KeyFile: path((p, f) => (exp(p).tls.keyFile = f)),
      },
    },
    Batch: int(1, 10_000, (p, n) => (exp(p).batch = n)),
    Buffer: { kind: "block", fields: { MaxBytes: size(1024, (p, n) => (exp(p).buffer.maxBytes = n)) } },
  },
};

function checkExport(e: ExportPatch, ctx: Ctx, names: Set<string>): void {
  const say = (message: string) => ctx.problems.push({ pos: e.pos, message: `Export "${e.name}": ${message}` });
  if (names.has(e.name)) say("a second block of this name");
  names.add(e.name);
  const seen = (k: string) => ctx.seen.has(`Export ${JSON.stringify(e.name)}.${k}`);
  if (!seen("Postgres")) say('Postgres is required (e.g. Postgres = "postgres://neo@db.example.com:5432/plant")');
  if (!seen("Tables")) say('Tables is required (e.g. Tables = ["SENSORS"])');
  if ((e.tls.certFile === undefined) !== (e.tls.keyFile === undefined))
    say("give both Tls.CertFile and Tls.KeyFile, or neither");
}

function resolve(e: ExportPatch): ExportConfig {
  return {
    name: e.name,
    postgres: e.postgres ?? "",
    tables: e.tables ?? [],
    gateway: e.gateway ?? hostname(),
    tls: { ...e.tls },
    batch: e.batch ?? DEFAULTS.batch,
    buffer: { maxBytes: e.buffer.maxBytes ?? DEFAULTS.maxBytes },
  };
}

function lines(e: ExportConfig, i: number): string[] {
  const t = e.tls;
  const tls = [
    t.mode !== undefined ? `Mode = ${q(t.mode)}` : "",
    t.caFile !== undefined ? `CaFile = ${q(t.caFile)}` : "",
    t.certFile !== undefined ? `CertFile = ${q(t.certFile)}` : "",
    t.keyFile !== undefined ? `KeyFile = ${q(t.keyFile)}` : "",
  ].filter(Boolean);
  return [
    ...(i > 0 ? [""] : []),
    `Export ${q(e.name)} {`,
    `  Postgres = ${q(redactUrl(e.postgres))}  # the password is not shown`,
    `  Tables = ${list(e.tables)}`,
    `  Gateway = ${q(e.gateway)}`,
    ...(tls.length ? [`  Tls { ${tls.join(", ")} }`] : []),
    `  Batch = ${e.batch}`,
    `  Buffer { MaxBytes = ${e.buffer.maxBytes} }`,
    "}",
  ];
}

export const exportSection: Section = {
  key: "Export",
  spec,
  check: (p, ctx) => {
    const names = new Set<string>();
    for (const e of p.exports ?? []) checkExport(e, ctx, names);
  },
  apply: (cfg, p) => {
    if (p.exports) cfg.exports = p.exports.map(resolve);
  },
  format: (cfg) => (cfg.exports ?? []).flatMap(lines),
  sample: () => `# Replication to PostgreSQL (any number, each with its own name): every row written to
# the named tables is copied to a table of the same name in the database, with this
# gateway's id, so many gateways share one table. Rows wait in <data>/export-<name>.db
# until the database has them; \`neo export status\` shows each export. None by default:
# Export "central" {
#   Postgres = "postgres://neo:secret@db.example.com:5432/plant"
#   Tables   = ["SENSORS"]
#   Gateway  = "site-17"                           # default: the host name
#   Tls { Mode = "verify-full", CaFile = "db-ca.pem" }
#   Batch    = 1000                                # rows per INSERT
#   Buffer { MaxBytes = "256MB" }                  # the queue; beyond it the oldest rows go
# }`,
};
