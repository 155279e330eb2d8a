// Audit { Enabled, MaxEvents, KeepChanges, RefusalsInFull }: the audit trail in <data>/audit.db.
import { formatDuration } from "../../lib/duration.ts";
import { bool, int, offOrDuration } from "./leaves.ts";
import { defined, q, type Section } from "./spec.ts";

export const auditSection: Section = {
  key: "Audit",
  spec: {
    kind: "block",
    fields: {
      Enabled: bool((p, b) => (p.audit.enabled = b)),
      MaxEvents: int(1000, 100_000_000, (p, n) => (p.audit.maxEvents = n)),
      KeepChanges: offOrDuration(3_600_000, 100 * 365 * 86_400_000, (p, ms) => (p.audit.keepChangesMs = ms)),
      RefusalsInFull: int(0, 1_000_000, (p, n) => (p.audit.refusalsInFull = n)),
    },
  },
  apply: (cfg, p) => {
    Object.assign(cfg.audit, defined(p.audit));
  },
  format: (cfg) => [
    "Audit {",
    `  Enabled = ${cfg.audit.enabled}`,
    `  MaxEvents = ${cfg.audit.maxEvents}`,
    `  KeepChanges = ${q(cfg.audit.keepChangesMs ? formatDuration(cfg.audit.keepChangesMs) : "off")}`,
    `  RefusalsInFull = ${cfg.audit.refusalsInFull}`,
    "}",
  ],
  sample: () => `Audit {
  # Authentication outcomes and changes to keys, users and PATs, in <Data>/audit.db.
  # \`neo shell audit\`, GET /audit. Refused authentications are recorded in full up to
  # RefusalsInFull per address and minute, then counted in one row per minute. The
  # oldest authentication events and authorization refusals go beyond MaxEvents; changes and bans never make room
  # for them: they are kept ("off"), or deleted once older than KeepChanges ("400d").
  Enabled = true
  MaxEvents = 100000
  KeepChanges = "off"
  RefusalsInFull = 10
}`,
};
