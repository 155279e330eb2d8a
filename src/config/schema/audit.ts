// Audit { Enabled, MaxEvents }: the audit trail in <data>/audit.db.
import { bool, int } from "./leaves.ts";
import { defined, type Section } from "./spec.ts";

export const auditSection: Section = {
  key: "Audit",
  spec: {
    kind: "block",
    fields: {
      Enabled: bool((p, b) => (p.audit.enabled = b)),
      MaxEvents: int(1000, 100_000_000, (p, n) => (p.audit.maxEvents = n)),
    },
  },
  apply: (cfg, p) => {
    Object.assign(cfg.audit, defined(p.audit));
  },
  format: (cfg) => ["Audit {", `  Enabled = ${cfg.audit.enabled}`, `  MaxEvents = ${cfg.audit.maxEvents}`, "}"],
  sample: () => `Audit {
  # Authentication outcomes and changes to keys, users and PATs, in <Data>/audit.db;
  # the oldest events are dropped beyond MaxEvents. \`neo shell audit\`, GET /audit.
  Enabled = true
  MaxEvents = 100000
}`,
};
