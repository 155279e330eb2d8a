// What `neo bridge status` and `neo export status` share: how a store-and-forward link's
// state and its oldest waiting entry read, and the JSON / nothing-configured answers.

/** a running link refreshes its status file every 2 s; older than this means it is not running */
export const STALE_MS = 10_000;

/** seconds as "42 s", "17 min" or "3.5 h"; "-" when nothing waits */
export const age = (s: number | null): string =>
  s === null
    ? "-"
    : s < 120
      ? `${s.toFixed(0)} s`
      : s < 7200
        ? `${(s / 60).toFixed(0)} min`
        : `${(s / 3600).toFixed(1)} h`;

/** "not running", "connected" or "disconnected (why)" */
export const linkState = (r: { running?: unknown; connected?: unknown; lastError?: unknown }): string =>
  !r.running ? "not running" : r.connected ? "connected" : `disconnected${r.lastError ? ` (${r.lastError})` : ""}`;

/** --json prints the rows; no rows prints `none`. True when that was the whole answer. */
export function printedAsJsonOrNone(rows: unknown[], json: boolean | undefined, none: string): boolean {
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) process.stdout.write(`${none}\n`);
  else return false;
  return true;
}
