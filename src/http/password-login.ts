// The one password check behind every login (/web/api/login, /users/tokens/issue; routes
// with `guard: "password"`; gRPC's UserAuth): the
// brute-force guard first (a banned address costs no hashing; parallel checks count),
// the per-user slow-down, argon2id (unknown users cost the same) and an aggregated log
// line for failures. It audits nothing itself: the checked password's outcome is handed
// back (`checked`) and the caller's door writes the row (the HTTP runner from c.checked).
import type { Guard, UserRecord, Users } from "../auth/index.ts";
import { failure } from "../lib/http/respond.ts";
import { createLogAggregator } from "../lib/log-aggregate.ts";
import type { Logger } from "../lib/log.ts";
import type { SecretOutcome } from "./route.ts";

export interface PasswordLoginDeps {
  users: Users;
  guard: Guard;
  log: Logger;
}

export type PasswordLogin = (
  name: string,
  password: string,
  where: { ip: string; listener: string },
) => Promise<
  | { ok: true; user: UserRecord; checked: SecretOutcome }
  /** `checked` when a password was checked (absent: refused before, e.g. a banned address) */
  | { ok: false; response: Response; checked?: SecretOutcome }
>;

function tooMany(retryAfterSec: number): Response {
  return failure(429, `too many failed logins, retry in ${retryAfterSec}s`, { "retry-after": String(retryAfterSec) });
}

export function createPasswordLogin(deps: PasswordLoginDeps): PasswordLogin {
  const { users, guard, log } = deps;
  // an attacker guessing passwords must not also flood the journal
  const failedLogins = createLogAggregator(log, "web: failed logins");
  const outcome = (user?: string, reason?: string): SecretOutcome => ({
    kind: "auth",
    action: "login",
    method: "password",
    ...(user ? { user } : {}),
    ...(reason ? { reason } : {}),
  });

  return async (name, password, where) => {
    const { ip } = where;
    const banned = guard.check(ip); // other attempts from this address may have failed meanwhile
    if (!banned.ok) return { ok: false, response: tooMany(banned.retryAfterSec) };
    const release = guard.begin(ip);
    try {
      const known = users.exists(name);
      // a name under attack: addresses that failed before wait their turn (others do not);
      // unknown names get the same state and delays, so the timing tells no name apart
      const d = guard.userDelay(name, ip);
      if ("refuse" in d) return { ok: false, response: tooMany(d.retryAfterSec) };
      if (d.waitMs > 0) await Bun.sleep(d.waitMs);
      // Unknown user and wrong password take the same path and the same argon2id cost.
      if (!(await users.verify(name, password))) {
        // Never log an unknown name: it may be a password typed into the wrong field.
        const who = known ? `user ${name}` : "an unknown user";
        failedLogins.warn(ip, `web: failed login for ${who} from ${ip}`);
        guard.failed(ip, name);
        return {
          ok: false,
          response: failure(401, "invalid username or password"),
          checked: outcome(known ? name : undefined, known ? "wrong password" : "unknown user"),
        };
      }
    } finally {
      release();
    }
    const user = users.get(name);
    if (!user) return { ok: false, response: failure(401, "invalid username or password") };
    log.info(`web: user ${name} logged in from ${ip}`);
    return { ok: true, user, checked: outcome(name) };
  };
}
