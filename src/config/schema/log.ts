// Log { Level = "info" }
import type { LogLevel } from "../../lib/log.ts";
import { oneOf } from "./leaves.ts";
import { def, q, type Section } from "./spec.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

export const logSection: Section = {
  key: "Log",
  spec: { kind: "block", fields: { Level: oneOf(LOG_LEVELS, (p, l) => (p.logLevel = l)) } },
  apply: (cfg, p) => {
    cfg.log.level = def(p.logLevel, cfg.log.level);
  },
  format: (cfg) => ["Log {", `  Level = ${q(cfg.log.level)}`, "}"],
  sample: () => `Log {
  # debug | info | warn | error. Env NEO_LOG_LEVEL, flag --log-level.
  Level = "info"
}`,
};
