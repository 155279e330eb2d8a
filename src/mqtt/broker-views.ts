// What the broker shows of itself: its counters (stats), every connected client with its
// own counters (the console's Connections), and the snapshot its $SYS topics publish.
import type { BrokerStats, ClientDetails } from "./broker-types.ts";
import type { BrokerCore } from "./core.ts";

/** Every connected client with its own counters (a copy: for the console, not the hot path). */
export function clientDetailsOf<M>(core: BrokerCore): ClientDetails<M>[] {
  const out: ClientDetails<M>[] = [];
  for (const c of core.clients.values()) {
    if (!c.client) continue;
    out.push({
      clientId: c.clientId,
      identity: c.client.identity,
      transport: c.client.peer.transport,
      remoteAddress: c.client.peer.remoteAddress,
      protocolVersion: c.client.protocolVersion,
      connectedAt: c.connectedAt,
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      subscriptions: c.session?.subscriptions.size ?? 0,
      meta: c.client.meta as M | undefined,
    });
  }
  return out;
}

export function statsOf(core: BrokerCore, startedAt: number): BrokerStats {
  const s = core.stats;
  return {
    connected: core.clients.size,
    sessions: core.sessions.size,
    messagesIn: s.messagesIn,
    messagesOut: s.messagesOut,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    retained: core.retained.size,
    subscriptions: core.subscriptionCount,
    uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
    droppedQos0: s.droppedQos0,
    droppedQueued: s.droppedQueued,
    droppedTooLarge: s.droppedTooLarge,
    expired: s.expired,
    ...core.budget.figures(),
    ...core.conns.counts,
  };
}

/** the figures $SYS/broker/... publishes */
export function sysSnapshot(st: BrokerStats) {
  return {
    connected: st.connected,
    messagesReceived: st.messagesIn,
    messagesSent: st.messagesOut,
    bytesReceived: st.bytesIn,
    bytesSent: st.bytesOut,
    retained: st.retained,
    subscriptions: st.subscriptions,
    sessions: st.sessions,
    uptimeSeconds: st.uptimeSeconds,
  };
}
