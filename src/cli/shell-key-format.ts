// Output shapes of `neo shell key list`: machbase-neo's box table and a JSON array.
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import type { ClientRecord } from "../registry/index.ts";
import { summarizeScopes } from "../lib/scopes.ts";
import { safeText } from "../lib/safe-text.ts";

export type DisplayStatus = "active" | "revoked" | "disabled" | "expired" | "not yet valid";

export function displayStatus(r: ClientRecord, now: number): DisplayStatus {
  if (r.status === "revoked") return "revoked";
  if (r.disabled || r.domainStatus !== "enabled") return "disabled"; // the key, or its SuperMQ domain
  if (now >= r.notAfter) return "expired";
  if (now < r.notBefore) return "not yet valid";
  return "active";
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Go's default time format in UTC, as machbase-neo shows: `2023-02-05 01:55:18 +0000 UTC`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000 UTC`
  );
}

/** RFC 3339 in UTC without fractional seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface Column {
  title: string;
  min: number;
  right?: boolean;
}

const COLUMNS: Column[] = [
  { title: "ROWNUM", min: 6, right: true },
  { title: "ID", min: 20 },
  { title: "VALID FROM", min: 29 },
  { title: "EXPIRE", min: 29 },
  { title: "STATUS", min: 7 },
  { title: "LAST USED", min: 29 },
  { title: "SCOPES", min: 6 },
];

/** machbase-neo's box table: a header row, then one line per row (cells already text). */
export function renderBox(columns: readonly Column[], raw: readonly string[][]): string {
  const rows = raw.map((r) => r.map(safeText));
  const widths = columns.map((c, i) => Math.max(c.min, c.title.length, ...rows.map((row) => row[i]!.length)));
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  const line = (cells: string[], header: boolean) =>
    "│" +
    cells
      .map((c, i) => " " + (columns[i]!.right && !header ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)) + " ")
      .join("│") +
    "│";
  return (
    [
      rule("┌", "┬", "┐"),
      line(
        columns.map((c) => c.title),
        true,
      ),
      rule("├", "┼", "┤"),
      ...rows.map((r) => line(r, false)),
      rule("└", "┴", "┘"),
    ].join("\n") + "\n"
  );
}

export function boxTable(records: readonly ClientRecord[], now: number): string {
  const rows = records.map((r, i) => [
    String(i + 1),
    r.id,
    formatTime(r.notBefore),
    formatTime(r.notAfter),
    displayStatus(r, now),
    r.lastUsedAt === null ? "-" : formatTime(r.lastUsedAt),
    summarizeScopes(r.scopes),
  ]);
  return renderBox(COLUMNS, rows);
}

export interface ClientJson {
  id: string;
  notBefore: string;
  notAfter: string;
  status: DisplayStatus;
  keyType: string;
  fingerprint: string;
  lastUsed: string | null;
  scopes: string[];
  /** the SuperMQ domain, for a key outside the default one */
  domain?: string;
}

export function clientsJson(records: readonly ClientRecord[], now: number): ClientJson[] {
  return records.map((r) => ({
    id: r.id,
    notBefore: rfc3339(r.notBefore),
    notAfter: rfc3339(r.notAfter),
    status: displayStatus(r, now),
    keyType: r.keyType,
    fingerprint: r.certFingerprint,
    lastUsed: r.lastUsedAt === null ? null : rfc3339(r.lastUsedAt),
    scopes: r.scopes,
    ...(r.domainId !== DEFAULT_DOMAIN_ID ? { domain: r.domainId } : {}),
  }));
}

/** A plain column table (ban, audit, user, pat listings): capital headers, two-space gaps, no borders. */
export function plainTable(headers: string[], raw: string[][]): string {
  // every cell terminal-safe: a client id or reason may carry control characters
  const rows = raw.map((r) => r.map(safeText));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}
