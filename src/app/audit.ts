// The audit trail as the server runs it: <data>/audit.db, batched every 200 ms, or a
// sink that drops everything when Audit.Enabled = false.
import type { NeoConfig } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import { warnIfDiskFull } from "../lib/disk-full.ts";
import type { ConnectRequest } from "../mqtt/index.ts";
import { type AuditEvent, type AuditLog, openAuditLog, tokenClientId } from "../registry/index.ts";
import type { ClientRef } from "../mqtt/index.ts";
import { formOf, type PresentedForm } from "../auth/index.ts";
import { credentialOf, type MqttAuthOutcome } from "./mqtt-auth.ts";

const FLUSH_MS = 200;

export function createServerAudit(
  dataDir: string,
  config: NeoConfig["audit"],
  log: Logger,
  ipv6Prefix?: number,
): AuditLog {
  if (!config.enabled) {
    return { record() {}, flush() {}, query: () => [], dropped: () => 0, close() {} };
  }
  let reported = 0;
  const audit = openAuditLog(dataDir, {
    maxEvents: config.maxEvents,
    keepChangesMs: config.keepChangesMs,
    inFull: config.refusalsInFull,
    ...(ipv6Prefix !== undefined ? { ipv6Prefix } : {}),
    flushMs: FLUSH_MS,
    onError: (e) => {
      if (warnIfDiskFull(log, "audit: writing events", e)) return;
      // one line per failing flush at most every minute, not one per event
      if (Date.now() - reported > 60_000) {
        reported = Date.now();
        log.error("audit: writing events failed", e);
      }
    },
  });
  return audit;
}

/** detail of an event whose client or user is what a refused credential claimed, not a fact */
const CLAIMED = JSON.stringify({ claimed: true });

const LISTENER = { tcp: "mqtt", tls: "mqtts", ws: "ws", wss: "wss" } as const;

/** One CONNECT outcome as an audit event: who (the principal, or whom the refused credential claimed) and by which form. */
export function auditConnect(audit: AuditLog, req: ConnectRequest, r: MqttAuthOutcome): void {
  const p = r.ok ? credentialOf(r)?.principal : undefined;
  const method: PresentedForm = p ? formOf(p.ref) : r.ok ? "none" : (r.form ?? "none");
  // refused before identify() (a banned address, a bad client id): what the username's token shape claims
  const claimed = p
    ? p.kind === "anonymous"
      ? undefined
      : p.id
    : r.ok
      ? undefined
      : (r.claimed ?? (req.username ? (tokenClientId(req.username) ?? undefined) : req.peer.cert?.cn));
  // a refused token's client id is only what its unverified prefix says: marked as claimed
  const unverified = !r.ok && claimed !== undefined && req.peer.cert === undefined;
  audit.record({
    kind: "auth",
    action: "connect",
    result: r.ok ? "ok" : "fail",
    method,
    listener: req.peer.listener ?? LISTENER[req.peer.transport],
    address: req.peer.remoteAddress,
    ...(claimed ? (claimed.startsWith("user:") ? { user: claimed.slice(5) } : { client: claimed }) : {}),
    target: req.clientId,
    ...(!r.ok && r.reason ? { reason: r.reason } : {}),
    ...(unverified ? { detail: CLAIMED } : {}),
  });
}

/**
 * An MQTT authorization refusal (PUBACK/SUBACK 0x87, a will refused) as a `deny` event
 * (the trail aggregates them per principal, operation and minute). `user` is set for a
 * person's session (a PAT, the console); otherwise the key, or the client id it claimed.
 */
export function auditMqttRefusal(
  audit: Pick<AuditLog, "record">,
  c: ClientRef,
  operation: "topics:publish" | "topics:subscribe",
  target: string,
  user?: string,
): void {
  audit.record({
    kind: "deny",
    action: operation,
    result: "fail",
    ...(user !== undefined ? { user } : { client: c.identity ?? c.id }),
    target,
    listener: c.peer.listener ?? LISTENER[c.peer.transport],
    address: c.peer.remoteAddress,
    reason: `not allowed to ${operation === "topics:publish" ? "publish to" : "subscribe to"} ${target}`,
  });
}

/** events kept while audit.db is not open yet (the start's first CONNECTs: a handful) */
const MAX_WAITING = 10_000;

/**
 * The audit trail whose audit.db opens later (bench/RESULTS.md "Session 7: start, the gate"):
 * record() keeps each event, stamped with its time, in memory until open(); open() opens the
 * trail and records them in order. flush(), query() and close() open it first (close() only
 * when something waits), so no event is lost. open() throws what the open throws.
 */
export function auditOpenedLater(openTrail: () => AuditLog): AuditLog & { open(): void } {
  let trail: AuditLog | undefined;
  let waiting: AuditEvent[] = [];
  let droppedEarly = 0;
  const open = (): AuditLog => {
    if (trail) return trail;
    const t = openTrail();
    trail = t;
    for (const e of waiting) t.record(e);
    waiting = [];
    return t;
  };
  return {
    record(e) {
      if (trail) trail.record(e);
      else if (waiting.length < MAX_WAITING) waiting.push(e.at === undefined ? { ...e, at: Date.now() } : e);
      else droppedEarly++;
    },
    flush: () => open().flush(),
    query: (f) => open().query(f),
    dropped: () => droppedEarly + (trail?.dropped() ?? 0),
    close() {
      if (trail || waiting.length > 0) open().close();
    },
    open: () => void open(),
  };
}
