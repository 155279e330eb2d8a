// A full disk is a state, not a bug: recognise it (SQLite's SQLITE_FULL, ENOSPC, and the
// I/O errors SQLite reports when it cannot grow a file) and say so once a minute per
// subject, as a WARN without a stack trace, instead of an ERROR per failed write.
import type { Logger } from "./log.ts";

/** true when `err` says the disk (or the file system) is full */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const msg = typeof e?.message === "string" ? e.message : String(err);
  return code === "ENOSPC" || code === "SQLITE_FULL" || /database or disk is full|no space left on device/i.test(msg);
}

const WARN_EVERY_MS = 60_000;
const lastWarn = new Map<string, { at: number; missed: number }>();

/**
 * If `err` is a full disk: WARN about `what` at most once a minute (with how many more
 * failed since) and return true; otherwise return false and let the caller log it.
 */
export function warnIfDiskFull(log: Logger, what: string, err: unknown, now = Date.now()): boolean {
  if (!isDiskFull(err)) return false;
  const w = lastWarn.get(what);
  if (w && now - w.at < WARN_EVERY_MS) {
    w.missed++;
    return true;
  }
  const more = w && w.missed > 0 ? ` (${w.missed} more since the last warning)` : "";
  lastWarn.set(what, { at: now, missed: 0 });
  const msg = err instanceof Error ? err.message : String(err);
  log.warn(`${what}: the disk is full (${msg})${more}`);
  return true;
}
