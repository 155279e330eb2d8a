// A full buffer's drops in the log: at once, then at most once a minute with the count
// since the last line, so a long outage cannot flood the journal.
import type { Logger } from "../lib/log.ts";
import type { BridgeQueue } from "./queue.ts";
import type { BridgeSettings } from "./types.ts";

const DROP_LOG_EVERY_MS = 60_000;

/** returns logDrops(force?): called every second, and with force at stop */
export function createDropLog(queue: BridgeQueue, s: BridgeSettings, log: Logger, tag: string) {
  let unlogged = 0;
  let lastDropLog = 0;
  return (force = false): void => {
    unlogged += queue.takeDropped();
    if (unlogged === 0 || (!force && Date.now() - lastDropLog < DROP_LOG_EVERY_MS)) return;
    const st = queue.stats();
    const why = s.buffer.policy === "drop-oldest" ? "dropped the oldest" : "refused";
    const since = lastDropLog === 0 ? "" : ` since ${new Date(lastDropLog).toISOString()}`;
    log.warn(
      `${tag}: buffer full (${s.buffer.maxMessages} messages / ${s.buffer.maxBytes} bytes, ${s.buffer.policy}): ${why} ${unlogged} message(s)${since}, ${st.dropped} in all`,
    );
    unlogged = 0;
    lastDropLog = Date.now();
  };
}
