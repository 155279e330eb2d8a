// Auth { DefaultScopes, AnonymousScopes, AccessTokenDuration, RefreshTokenDuration, InvitationDuration }
import { formatDuration } from "../../lib/duration.ts";
import { ALL_ACCESS_SCOPES } from "../../lib/scopes.ts";
import { duration, scopeList } from "./leaves.ts";
import { defined, list, q, type Section } from "./spec.ts";

export const authSection: Section = {
  key: "Auth",
  spec: {
    kind: "block",
    fields: {
      DefaultScopes: scopeList((p, l) => ((p.auth ??= {}).defaultScopes = l)),
      AnonymousScopes: scopeList((p, l) => ((p.auth ??= {}).anonymousScopes = l)),
      AccessTokenDuration: duration(60_000, 7 * 86_400_000, (p, ms) => (p.login.accessTokenDurationMs = ms)),
      RefreshTokenDuration: duration(60_000, 365 * 86_400_000, (p, ms) => (p.login.refreshTokenDurationMs = ms)),
      InvitationDuration: duration(1_000, 365 * 86_400_000, (p, ms) => (p.login.invitationDurationMs = ms)),
    },
  },
  apply: (cfg, p) => {
    if (p.auth) {
      const a = (cfg.auth ??= { defaultScopes: [...ALL_ACCESS_SCOPES], anonymousScopes: [...ALL_ACCESS_SCOPES] });
      if (p.auth.defaultScopes) a.defaultScopes = p.auth.defaultScopes;
      if (p.auth.anonymousScopes) a.anonymousScopes = p.auth.anonymousScopes;
    }
    Object.assign(cfg.login, defined(p.login));
  },
  format: (cfg) => [
    "Auth {",
    ...(cfg.auth
      ? [`  DefaultScopes = ${list(cfg.auth.defaultScopes)}`, `  AnonymousScopes = ${list(cfg.auth.anonymousScopes)}`]
      : []),
    `  AccessTokenDuration = ${q(formatDuration(cfg.login.accessTokenDurationMs))}`,
    `  RefreshTokenDuration = ${q(formatDuration(cfg.login.refreshTokenDurationMs))}`,
    `  InvitationDuration = ${q(formatDuration(cfg.login.invitationDurationMs))}`,
    "}",
  ],
  sample: () => `Auth {
  # Scopes say what a principal may do: "<type>:<operation>:<target>", a leading "!"
  # denies and a deny always wins. Types: tables:read|write:<table|*>,
  # topics:publish|subscribe:<MQTT filter, %c = own client id>, clients:connect:<id glob>,
  # keys:list|create|delete|revoke|rotate:<id|*>, metrics:read:*,
  # channels:publish|subscribe:<channel|*> (its messages),
  # channels:list|create|delete|connect|disconnect:<channel|*> (managing it over HTTP).
  # "#" never reaches $SYS/... .

  # What \`neo shell key gen\` gives a key made without --scope. The default is every
  # table and topic:
  # DefaultScopes = ${list([...ALL_ACCESS_SCOPES])}
  # Least privilege for a fleet of sensors (each one its own topics, one table, written
  # over HTTP or MQTT db/append/SENSORS):
  # DefaultScopes = ["clients:connect:%c", "topics:publish:devices/%c/#",
  #                  "topics:subscribe:commands/%c/#", "topics:publish:db/append/SENSORS",
  #                  "tables:write:SENSORS"]

  # Clients connecting without credentials while token auth is off (default: the same
  # all-access set), e.g. everything but one topic:
  # AnonymousScopes = ["topics:publish:#", "topics:subscribe:#", "!topics:subscribe:test/nosubscribe"]

  # Lifetimes of the keys POST /users/tokens/issue hands out (durations: "90s", "15m", "24h", "30d").
  AccessTokenDuration = "1h"
  RefreshTokenDuration = "24h"
  # How long an invitation to a SuperMQ domain can be accepted (SuperMQ's 168h).
  InvitationDuration = "168h"
}`,
};
