// The broker's share of file descriptors: the process's soft limit (RLIMIT_NOFILE, read
// from /proc/self/limits) minus those open at start and a reserve of 5% (at least 64) for
// /health and the rest of HTTP, the query processes (a socketpair and pipes each), SQLite
// files and the operator. Past its share the broker closes a new socket at once, so the
// gateway stays manageable at the limit instead of every accept failing with EMFILE.
import { readdirSync, readFileSync } from "node:fs";

const RESERVE_MIN = 64;

/** the soft limit on open files, or Infinity when it cannot be read */
function descriptorLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    return m?.[1] && m[1] !== "unlimited" ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

function openNow(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

export function brokerDescriptors(limit = descriptorLimit()): number {
  if (!Number.isFinite(limit)) return Infinity;
  const reserve = Math.max(RESERVE_MIN, Math.floor(limit * 0.05));
  return Math.max(1, limit - reserve - openNow());
}
