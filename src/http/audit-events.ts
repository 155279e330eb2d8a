// The rows the runner writes to the audit trail: an authentication outcome per request
// that presented a credential, a change once a change route answered 2xx, and an
// authorization refusal (a `deny` event; the trail aggregates them, registry/audit-aggregate.ts). The shape is
// lib/audit-event.ts, the trail's own, so http needs no registry import.
import { type Identified, principalName } from "../auth/index.ts";
import type { AuditEvent, AuditMethod } from "../lib/audit-event.ts";
import type { Caller, Presented } from "./caller.ts";
import type { RouteContext, SecretOutcome } from "./route.ts";

/** a row the runner writes: an audit event without its time (the trail sets it) */
export type HttpAuditEvent = Omit<AuditEvent, "at" | "kind"> & { kind: "auth" | "change" | "deny" };

export interface HttpAudit {
  record(e: HttpAuditEvent): void;
}

const METHOD: Record<Presented["form"], AuditMethod> = {
  token: "token",
  mainflux: "token",
  cert: "certificate",
  access_key: "access_key",
  pat: "pat",
  session: "session",
  cookie: "session",
};

const personForm = (f: Presented["form"] | undefined) =>
  f === "pat" || f === "access_key" || f === "session" || f === "cookie";

/** who a principal is in the trail: a key is `client`, a person (or their PAT) is `user` */
function whoFields(p: Identified | undefined, person: boolean, claimed?: string): { client?: string; user?: string } {
  if (p && p.kind !== "anonymous") return p.kind === "user" ? { user: principalName(p) } : { client: p.id };
  if (!claimed) return {};
  return person ? { user: claimed } : { client: claimed };
}

/**
 * The row of an accepted request, kept per principal: a key that polls one route from one
 * address makes the same row every time, so the last one is handed in again (frozen: the
 * trail keeps its rule and group for it, and nothing may change it). Identify hands out one
 * principal object per verified token until the registry changes.
 */
export function acceptedRows(): (c: RouteContext, p: Identified, sent: Presented, target: string) => HttpAuditEvent {
  const last = new WeakMap<Identified, HttpAuditEvent>();
  return (c, p, sent, target) => {
    const method = METHOD[sent.form];
    const address = c.address || undefined;
    const kept = last.get(p);
    if (
      kept !== undefined &&
      kept.target === target &&
      kept.address === address &&
      kept.listener === c.listener &&
      kept.method === method
    )
      return kept;
    const row = authRow(c, { ok: true, principal: p, presented: sent }, target);
    last.set(p, Object.freeze(row));
    return row;
  };
}

export function authRow(c: RouteContext, r: Caller, target: string): HttpAuditEvent {
  const sent = r.presented;
  if (r.ok) {
    // the row of every accepted request: made plainly (no spreads), it is on the hot path
    const row: HttpAuditEvent = {
      kind: "auth",
      action: "request",
      result: "ok",
      method: sent ? METHOD[sent.form] : "none",
      listener: c.listener,
      target,
    };
    if (c.address) row.address = c.address;
    const p = r.principal;
    if (p.kind === "user") row.user = principalName(p);
    else if (p.kind !== "anonymous") row.client = p.id;
    return row;
  }
  // refused: who the credential claims to be
  const cert = c.peer?.cert;
  const named = r.claimed;
  const claimed = named?.startsWith("user:") ? named.slice(5) : (named ?? sent?.username ?? cert?.cn);
  return {
    kind: "auth",
    action: "request",
    result: "fail",
    method: sent ? METHOD[sent.form] : "none",
    listener: c.listener,
    ...(c.address ? { address: c.address } : {}),
    ...whoFields(undefined, personForm(sent?.form), claimed ?? undefined),
    target,
    reason: `HTTP ${r.response.status}`,
    // a refused credential's name is only what it claims (a token's unverified prefix, a username)
    ...(claimed && (sent?.username !== undefined || named !== undefined) ? { detail: CLAIMED } : {}),
  };
}

const CLAIMED = JSON.stringify({ claimed: true });

export function changeRow(
  c: RouteContext,
  p: Identified,
  action: string,
  changed: { target: string; detail?: unknown },
): HttpAuditEvent {
  return {
    kind: "change",
    action,
    result: "ok",
    ...(c.credential ? { method: METHOD[c.credential.form] } : {}),
    ...whoFields(p, false),
    ...(c.address ? { address: c.address } : {}),
    listener: c.listener,
    target: changed.target,
    ...(changed.detail !== undefined ? { detail: JSON.stringify(changed.detail) } : {}),
  };
}

/** an authorization refusal: a `deny` event (the audit trail aggregates them per principal, operation, minute) */
export function denyRow(c: RouteContext, p: Identified, op: string, target: string, reason: string): HttpAuditEvent {
  return {
    kind: "deny",
    action: op,
    result: "fail",
    ...whoFields(p, false),
    target,
    listener: c.listener,
    ...(c.address ? { address: c.address } : {}),
    ...(c.credential ? { method: METHOD[c.credential.form] } : {}),
    reason,
  };
}

/** the outcome of a public route's own secret check (a refresh key, a recovery key, a password) */
export function secretRow(c: RouteContext, o: SecretOutcome): HttpAuditEvent {
  return outcomeRow(o, c.listener, c.address || "unknown");
}

/** a credential check's outcome as an audit row (the runner's, and gRPC's password login) */
export function outcomeRow(o: SecretOutcome, listener: string, address: string): HttpAuditEvent {
  return {
    kind: o.kind,
    action: o.action,
    result: o.reason === undefined ? "ok" : "fail",
    method: o.method,
    listener,
    address,
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.target !== undefined ? { target: o.target } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
  };
}
