// Storage { Sync, Retention, MaxSize, WhenFull, BusyTimeout }: the series store.
import { formatDuration as formatMs, formatNs, parseRetention } from "../../lib/duration.ts";
import { duration, oneOf, size } from "./leaves.ts";
import type { ConfigPatch } from "./patch.ts";
import { def, got, q, type LeafSpec, type Section } from "./spec.ts";

/** "90d" / "off" (canonical text), checked with the store's own parser */
const retention = (set: (p: ConfigPatch, r: string) => void): LeafSpec => ({
  kind: "leaf",
  type: 'duration ("90d", "12h", "1y") or "off"',
  read: (v) => {
    if (v.kind !== "string") return `expected a duration like "90d" or "off", got ${got(v)}`;
    try {
      const r = parseRetention(v.value);
      return (p) => set(p, r === null ? "off" : formatNs(r));
    } catch (e) {
      return (e as Error).message;
    }
  },
});

export const storageSection: Section = {
  key: "Storage",
  spec: {
    kind: "block",
    fields: {
      Sync: oneOf(["full", "normal"] as const, (p, s) => (p.storage.sync = s)),
      Retention: retention((p, r) => (p.storage.retention = r)),
      MaxSize: size(1_000_000, (p, n) => (p.storage.maxSize = n)),
      WhenFull: oneOf(["refuse", "drop-oldest"] as const, (p, w) => (p.storage.whenFull = w)),
      BusyTimeout: duration(10, 60_000, (p, ms) => (p.storage.busyTimeoutMs = ms)),
    },
  },
  apply: (cfg, p) => {
    cfg.storage.sync = def(p.storage.sync, cfg.storage.sync);
    cfg.storage.retention = def(p.storage.retention, cfg.storage.retention);
    if (p.storage.maxSize !== undefined) cfg.storage.maxSize = p.storage.maxSize;
    cfg.storage.whenFull = def(p.storage.whenFull, cfg.storage.whenFull);
    cfg.storage.busyTimeoutMs = def(p.storage.busyTimeoutMs, cfg.storage.busyTimeoutMs);
  },
  format: (cfg) => [
    "Storage {",
    `  Sync = ${q(cfg.storage.sync)}`,
    `  Retention = ${q(cfg.storage.retention)}`,
    ...(cfg.storage.maxSize !== undefined ? [`  MaxSize = ${cfg.storage.maxSize}`] : []),
    `  WhenFull = ${q(cfg.storage.whenFull)}`,
    `  BusyTimeout = ${q(formatMs(cfg.storage.busyTimeoutMs))}`,
    "}",
  ],
  sample: () => `Storage {
  # When a write (HTTP 200, MQTT PUBACK) is acknowledged: "full" = after the series
  # store's WAL is fsynced, so it survives a power cut; "normal" = once the commit is
  # in the OS (survives a crash or kill -9, may lose the last commits on power loss),
  # faster on slow SD cards. Many messages share one fsync either way.
  Sync = "full"
  # How long a write waits for another process's lock on series.db (a long query snapshot,
  # a CLI) before it is refused: never acknowledged, the publisher sends it again.
  BusyTimeout = "5s"
}`,
};
