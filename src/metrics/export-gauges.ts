// The Export blocks' figures on /metrics: neo_export_* per export (label `export`).
import type { MetricsRegistry, Sample } from "./registry.ts";

/** one export's connection to PostgreSQL and its queue (app reads it from the export's status) */
export interface ExportFigures {
  name: string;
  connected: boolean;
  queuedEntries: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  sentRows: number;
  droppedEntries: number;
}

export function exportGauges(reg: MetricsRegistry, list: () => ExportFigures[]): void {
  const perExport = (f: (e: ExportFigures) => number) => (): Sample[] =>
    list().map((e) => ({ labels: { export: e.name }, value: f(e) }));
  reg.gauge(
    "neo_export_connected",
    "1 when the export's database is reachable",
    perExport((e) => (e.connected ? 1 : 0)),
  );
  reg.gauge(
    "neo_export_queued_entries",
    "writes waiting in the export's queue (each one write's rows)",
    perExport((e) => e.queuedEntries),
  );
  reg.gauge(
    "neo_export_queued_bytes",
    "bytes waiting in the export's queue",
    perExport((e) => e.queuedBytes),
  );
  reg.gauge(
    "neo_export_oldest_age_seconds",
    "age of the oldest queued write (0 when empty): how far PostgreSQL is behind",
    perExport((e) => e.oldestAgeSeconds ?? 0),
  );
  reg.gauge(
    "neo_export_sent_rows_total",
    "rows PostgreSQL committed since start",
    perExport((e) => e.sentRows),
    "counter",
  );
  reg.gauge(
    "neo_export_dropped_total",
    "queued writes dropped because the queue passed Buffer.MaxBytes",
    perExport((e) => e.droppedEntries),
    "counter",
  );
}
