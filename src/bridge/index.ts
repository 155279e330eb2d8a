// bridge: the uplink to an upstream MQTT broker with a SQLite store-and-forward queue.
export { createBridge, type Bridge, type BridgeDeps } from "./bridge.ts";
export {
  openQueue,
  type BridgeQueue,
  type OfferResult,
  type OutMessage,
  type QueuedMessage,
  type QueueStats,
} from "./queue.ts";
export { bridgeNames, readBridgeStatus, type StoredBridgeStatus } from "./status-file.ts";
export type { BridgeSettings, BridgeStatus, LocalDelivery } from "./types.ts";
export { nextDelay, RateMeter } from "./pacing.ts";
