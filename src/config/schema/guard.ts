// Guard { MaxFailures, Window, MaxBan, MaxRefusals, IPv6Prefix, AllowList }: the
// brute-force guard on every listener.
import { formatDuration } from "../../lib/duration.ts";
import { addressList, duration, int } from "./leaves.ts";
import { defined, q, type Section } from "./spec.ts";

export const guardSection: Section = {
  key: "Guard",
  spec: {
    kind: "block",
    fields: {
      MaxFailures: int(1, 1_000_000, (p, n) => (p.guard.maxFailures = n)),
      Window: duration(1000, 86_400_000, (p, ms) => (p.guard.windowMs = ms)),
      MaxBan: duration(1000, 7 * 86_400_000, (p, ms) => (p.guard.maxBanMs = ms)),
      MaxRefusals: int(0, 1_000_000, (p, n) => (p.guard.maxRefusals = n)),
      IPv6Prefix: int(8, 128, (p, n) => (p.guard.ipv6Prefix = n)),
      AllowList: addressList((p, l) => (p.guard.allowList = l)),
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
    `  MaxRefusals = ${cfg.guard.maxRefusals}`,
    `  IPv6Prefix = ${cfg.guard.ipv6Prefix}`,
    `  AllowList = [${cfg.guard.allowList.map(q).join(", ")}]`,
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
  # Refusals that guessed nothing (no credential, an expired or revoked key, a refused
  # client id) count too, with a higher limit per address and Window: a reconnect
  # flood is banned the same way (EMQX's flapping detection). 0 = do not count them.
  MaxRefusals = 60
  # IPv6 addresses count per prefix: one host owns a whole /64. 128 = each address.
  IPv6Prefix = 64
  # Addresses or CIDR ranges never counted, slowed down or banned (your monitoring,
  # your own network), e.g. ["10.0.0.0/8", "::1"].
  AllowList = []
}`,
};
