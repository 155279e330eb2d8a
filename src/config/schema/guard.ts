// Guard { MaxFailures, Window, MaxBan }: the brute-force guard on every listener.
import { formatDuration } from "../../lib/duration.ts";
import { duration, int } from "./leaves.ts";
import { defined, q, type Section } from "./spec.ts";

export const guardSection: Section = {
  key: "Guard",
  spec: {
    kind: "block",
    fields: {
      MaxFailures: int(1, 1_000_000, (p, n) => (p.guard.maxFailures = n)),
      Window: duration(1000, 86_400_000, (p, ms) => (p.guard.windowMs = ms)),
      MaxBan: duration(1000, 7 * 86_400_000, (p, ms) => (p.guard.maxBanMs = ms)),
    },
  },
  apply: (cfg, p) => {
    Object.assign(cfg.guard, defined(p.guard));
  },
  format: (cfg) => [
    "Guard {",
    `  MaxFailures = ${cfg.guard.maxFailures}`,
    `  Window = ${q(formatDuration(cfg.guard.windowMs))}`,
    `  MaxBan = ${q(formatDuration(cfg.guard.maxBanMs))}`,
    "}",
  ],
  sample: () => `Guard {
  # Brute-force guard on every listener: this many wrong secrets (token, password, PAT)
  # from one remote address within Window ban that address (MQTT CONNACK 0x9F / 5,
  # HTTP 429 + Retry-After) for one minute, doubling on each new ban up to MaxBan.
  # \`neo shell ban list\` / \`neo shell ban clear [ADDR]\`.
  MaxFailures = 10
  Window = "1m"
  MaxBan = "15m"
}`,
};
