// Expiry before it bites: every hour (and at start) each active key whose certificate and
// token expire within Tls.ExpiryWarning (default 30 days) gets one log warning and one
// audit row (action key.expiring) per run of the gateway; EST renewal or `key rotate`
// moves the expiry and the key is watched again.
import type { NeoConfig } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import type { AuditLog, Registry } from "../registry/index.ts";

const HOUR = 3_600_000;
const DEFAULT_EXPIRY_WARNING_MS = 30 * 86_400_000;

export function watchExpiry(d: {
  registry: Pick<Registry, "list">;
  audit: Pick<AuditLog, "record">;
  config: () => NeoConfig;
  log: Logger;
  now?: () => number;
}): { check(): number; stop(): void } {
  const now = d.now ?? Date.now;
  /** id -> the expiry it was warned about */
  const warned = new Map<string, number>();
  function check(): number {
    const t = now();
    const within = d.config().tls?.expiryWarningMs ?? DEFAULT_EXPIRY_WARNING_MS;
    let n = 0;
    for (const r of d.registry.list()) {
      if (r.status !== "active" || r.notAfter - t > within || warned.get(r.id) === r.notAfter) continue;
      warned.set(r.id, r.notAfter);
      n++;
      const when = new Date(r.notAfter).toISOString();
      const days = Math.max(0, Math.floor((r.notAfter - t) / 86_400_000));
      d.log.warn(
        `key "${r.id}" ${r.notAfter <= t ? "expired" : "expires"} ${when} (${days} days): renew it (EST simplereenroll, neo shell key rotate)`,
      );
      d.audit.record({
        kind: "change",
        action: "key.expiring",
        result: "ok",
        client: r.id,
        target: r.id,
        detail: JSON.stringify({ notAfter: when, days }),
      });
    }
    return n;
  }
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    check();
  } catch (e) {
    d.log.warn(`expiry check failed: ${e}`);
  }
  timer = setInterval(() => {
    try {
      check();
    } catch (e) {
      d.log.warn(`expiry check failed: ${e}`);
    }
  }, HOUR);
  timer.unref();
  return {
    check,
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
