// What the session bounds refused or dropped, logged once a minute (and at stop) when
// anything happened, never once per message: a key flooding CONNECTs with new client
// ids, or queues running over Mqtt.MaxQueuedBytes*, cost one line a minute.
import type { Logger } from "../lib/log.ts";
import type { Broker } from "../mqtt/index.ts";

export function logSessionBounds(broker: Broker, log: Logger, everyMs = 60_000) {
  const pick = () => {
    const s = broker.stats();
    return { refused: s.refusedSessions, dropped: s.droppedQueuedBytes, expired: s.expiredSessions };
  };
  let last = pick();
  const report = () => {
    const now = pick();
    const d = {
      refused: now.refused - last.refused,
      dropped: now.dropped - last.dropped,
      expired: now.expired - last.expired,
    };
    last = now;
    const parts: string[] = [];
    if (d.refused > 0)
      parts.push(
        `${d.refused} persistent session(s) refused (Mqtt.MaxPersistentSessions, MaxPersistentSessionsPerClient)`,
      );
    if (d.dropped > 0) parts.push(`${d.dropped} message(s) not queued (Mqtt.MaxQueuedBytes, MaxQueuedBytesPerClient)`);
    if (d.expired > 0) parts.push(`${d.expired} offline session(s) expired`);
    if (parts.length > 0) log.warn(`MQTT sessions in the last ${Math.round(everyMs / 1000)}s: ${parts.join("; ")}`);
  };
  const timer = setInterval(report, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      report();
    },
  };
}
