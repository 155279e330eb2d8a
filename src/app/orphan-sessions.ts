// Persistent sessions whose client is offline outlive its credential unless someone ends
// them: a deleted, revoked or expired key's (or PAT's) queued messages are for a client
// that can never come back, and its client id must not stay held for it.
import type { Logger } from "../lib/log.ts";

export interface OrphanSweepDeps<S extends { clientId: string; owner: string | undefined }> {
  offlineSessions(): Iterable<S>;
  discardSession(clientId: string): boolean;
  /** is the credential this offline session was made with still usable? (current()) */
  usable(session: S): boolean;
  log: Logger;
}

/** End every offline session whose credential can no longer connect; returns how many. */
export function sweepOrphanSessions<S extends { clientId: string; owner: string | undefined }>(
  deps: OrphanSweepDeps<S>,
): number {
  const gone: string[] = [];
  for (const s of deps.offlineSessions()) {
    if (s.owner === undefined) continue; // anonymous: nobody's credential to lose
    if (!deps.usable(s)) gone.push(s.clientId);
  }
  let n = 0;
  for (const id of gone) {
    if (!deps.discardSession(id)) continue;
    n++;
    deps.log.info(`ended the offline session "${id}": its key or PAT was deleted, revoked or has expired`);
  }
  return n;
}
