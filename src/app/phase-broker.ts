// The broker: made with its limits first of all (its MQTT listeners accept while the stores
// open; a CONNECT waits until phase 4 installs the hooks, Broker.setHooks), then, in phase
// 3, last run's retained messages and persistent sessions restored before anyone is let in,
// its figures registered with the metrics.
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

/** the broker with its limits, no hooks yet: its listeners may accept at once */
export function createBroker(settings: Settings<NeoConfig>, stops: StopList): NeoBroker {
  const { mqtt } = settings.get();
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
    log: createLogger("mqtt"),
  });
  stops.add("broker", "broker", () => broker.close({ reasonCode: RC.serverShuttingDown }));
  return broker;
}

/** phase 3: last run's state restored (before the hooks let anyone in), figures, $SYS/neo */
export function startBroker(settings: Settings<NeoConfig>, s: Stores, broker: NeoBroker, stops: StopList): void {
  const { mqtt, data } = settings.get();
  const log = createLogger("mqtt");
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
}
