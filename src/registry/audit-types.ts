// The audit trail's contract: what an event is, how the trail is asked, how it is opened.
import type { AuditEvent, AuditKind } from "../lib/audit-event.ts";
import type { AggregateRule } from "./audit-aggregate.ts";

export type { AuditEvent, AuditKind } from "../lib/audit-event.ts";

export interface StoredAuditEvent extends AuditEvent {
  id: number;
  at: number;
}

export interface AuditFilter {
  client?: string;
  user?: string;
  result?: "ok" | "fail";
  /** ms epoch: events at or after */
  since?: number;
  kind?: AuditKind;
  /** newest first, at most this many (default 1000) */
  limit?: number;
}

export interface AuditLog {
  /** queue one event (never throws, never blocks on the disk) */
  record(e: AuditEvent): void;
  /** commit what is queued now */
  flush(): void;
  /** newest first; flushes first so a caller sees its own events */
  query(f?: AuditFilter): StoredAuditEvent[];
  /** events dropped because the queue was full (a storm faster than the disk) */
  dropped(): number;
  close(): void;
}

export interface AuditOptions {
  /** authentication events kept (the newest); changes and bans are not counted */
  maxEvents: number;
  /** changes and bans are deleted once older than this (ms); 0 or absent = kept */
  keepChangesMs?: number;
  /** refused authentications recorded in full per address and minute (default 10; the rest are counted) */
  inFull?: number;
  /** IPv6 addresses are grouped by this many leading bits when refusals are aggregated (default 64) */
  ipv6Prefix?: number;
  /** the aggregation rules (default: refused authentications per address) */
  aggregate?: readonly AggregateRule[];
  /** flush interval; 0 = only on flush()/close() and when a batch is full (CLI) */
  flushMs?: number;
  now?: () => number;
  onError?: (e: unknown) => void;
}
