// What a connection holds until its CONNECT is accepted: its share of the unauthenticated
// budget (unauth-budget.ts) and its connect deadline, both kept in core.unconnected, so an
// accepted, idle connection keeps no field for them.
import type { Connection } from "./connection.ts";
import { UnauthCharge } from "./unauth-budget.ts";
import { wakeAdmission } from "./admission.ts";

/** A new connection's charge (not yet taken: UnauthCharge.open) and connect deadline, kept in core.unconnected. */
export function chargeNew(c: Connection): UnauthCharge {
  const core = c.core;
  const budget = new UnauthCharge(core);
  budget.deadline = setTimeout(() => {
    if (c.state === "new" || c.state === "connecting") c.close(); // connect timeout
  }, core.opts.connectTimeoutMs);
  core.unconnected.set(c, budget);
  return budget;
}

/** The CONNECT was accepted (or the connection is gone): the charge back, the deadline cleared. */
export function releaseCharge(c: Connection): void {
  const core = c.core;
  const b = core.unconnected.get(c);
  if (!b) return;
  clearDeadline(b);
  core.unconnected.delete(c);
  if (b.release()) wakeAdmission(core); // sockets waiting for room may start
}

/** The CONNECT got its session: no connect timeout from now on (the charge stays until it is accepted). */
export function clearConnectDeadline(c: Connection): void {
  const b = c.core.unconnected.get(c);
  if (b) clearDeadline(b);
}

function clearDeadline(b: UnauthCharge): void {
  if (b.deadline) clearTimeout(b.deadline);
  b.deadline = null;
}
