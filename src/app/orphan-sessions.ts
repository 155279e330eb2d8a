// Persistent sessions whose client is offline outlive its key unless someone ends them:
// a deleted, revoked or expired key's queued messages are for a client that can never
// come back, and its client id must not stay held for it.
import type { Logger } from "../lib/log.ts";

export interface OrphanSweepDeps {
  offlineSessions(): Iterable<{ clientId: string; owner: string | undefined }>;
  discardSession(clientId: string): boolean;
  /** may this registered client still connect (exists, not revoked, not expired)? */
  usable(identity: string, now: number): boolean;
  /** a session that is not a key's (a PAT's): may it stay? undefined: decided by its owner's key */
  sessionUsable?(clientId: string, owner: string): boolean | undefined;
  log: Logger;
}

/** End every offline session whose owner's key can no longer connect; returns how many. */
export function sweepOrphanSessions(deps: OrphanSweepDeps, now = Date.now()): number {
  const verdict = new Map<string, boolean>();
  const gone: string[] = [];
  for (const s of deps.offlineSessions()) {
    if (s.owner === undefined) continue; // anonymous: nobody's key to lose
    const own = deps.sessionUsable?.(s.clientId, s.owner);
    if (own !== undefined) {
      if (!own) gone.push(s.clientId);
      continue;
    }
    let ok = verdict.get(s.owner);
    if (ok === undefined) {
      ok = deps.usable(s.owner, now);
      verdict.set(s.owner, ok);
    }
    if (!ok) gone.push(s.clientId);
  }
  let n = 0;
  for (const id of gone) {
    if (!deps.discardSession(id)) continue;
    n++;
    deps.log.info(`ended the offline session "${id}": its key or PAT was deleted, revoked or has expired`);
  }
  return n;
}
