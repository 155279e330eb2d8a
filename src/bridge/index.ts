// bridge: the uplink to an upstream MQTT broker with a SQLite store-and-forward queue.
export { createBridge, type Bridge } from "./bridge.ts";
export {
  openQueue,
  type BridgeQueue,
  type OfferResult,
} from "./queue.ts";
export { bridgeNames, readBridgeStatus, type StoredBridgeStatus } from "./status-file.ts";
export type { BridgeStatus } from "./types.ts";
export { nextDelay, RateMeter } from "./pacing.ts";
