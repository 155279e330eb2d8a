// Start phase 3, the broker: made with its limits, last run's retained messages and
// persistent sessions restored before anyone connects, its figures registered with the
// metrics. It refuses every CONNECT until phase 4 installs the hooks (Broker.setHooks).
import type { NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import type { Settings } from "../lib/settings.ts";
import { Broker, RC } from "../mqtt/index.ts";
import { persistBrokerState, restoreBrokerState } from "./broker-state.ts";
import { brokerFigures, startNeoSys } from "./metrics.ts";
import { logSessionBounds } from "./session-bounds-log.ts";
import { brokerDescriptors } from "./descriptors.ts";
import type { Stores } from "./phase-stores.ts";
import type { StopList } from "./stop-list.ts";
import type { NeoBroker, SessionCredential } from "./mqtt-auth.ts";

export function startBroker(settings: Settings<NeoConfig>, s: Stores, stops: StopList): NeoBroker {
  const { mqtt, data } = settings.get();
  const log = createLogger("mqtt");
  const broker: NeoBroker = new Broker<SessionCredential>({
    maxPacketSize: mqtt.maxMessageSizeLimit,
    maxConnectSize: mqtt.maxConnectSize,
    maxUnauthenticatedBytes: mqtt.maxUnauthenticatedBytes,
    maxKeepAlive: mqtt.maxKeepAlive,
    retained: {
      maxMessages: mqtt.maxRetainedMessages,
      maxBytes: mqtt.maxRetainedBytes,
      maxBytesPerOwner: mqtt.maxRetainedBytesPerClient,
    },
    sessions: {
      maxPersistent: mqtt.maxPersistentSessions,
      maxPersistentPerOwner: mqtt.maxPersistentSessionsPerClient,
      maxQueuedBytes: mqtt.maxQueuedBytes,
      maxQueuedBytesPerOwner: mqtt.maxQueuedBytesPerClient,
      persistentExpiryMs: mqtt.persistentSessionExpiryMs,
    },
    stallTimeoutMs: mqtt.stallTimeoutMs,
    connections: {
      maxConnections: brokerDescriptors(),
      maxPerAddress: mqtt.maxConnectionsPerAddress,
      maxPerClient: mqtt.maxConnectionsPerClient,
    },
    log,
  });
  stops.add("broker", "broker", () => broker.close({ reasonCode: RC.serverShuttingDown }));
  const bounds = logSessionBounds(broker, log);
  stops.add("services", "session bounds log", () => bounds.stop());
  s.metrics.provide({ broker: () => brokerFigures(broker) });
  // retained messages and persistent sessions from the last run, before anyone connects
  if (mqtt.persistence) {
    const store = restoreBrokerState(data, broker, log);
    if (store) {
      const persisted = persistBrokerState(store, broker, log);
      stops.add("services", "broker state", () => persisted.stop()); // before close(), which ends every session
    }
  }
  // $SYS/neo/...: rows written, auth attempts and failures, bans, connections per listener
  const neoSys = startNeoSys(s.metrics, (topic, value) => broker.publish({ topic, payload: value, retain: true }));
  stops.add("services", "$SYS/neo", () => neoSys.stop());
  return broker;
}
