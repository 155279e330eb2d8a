// Public API of the MQTT broker core.
export { Broker } from "./broker.ts";
export type { AppPublish } from "./broker-types.ts";
export type { Listening } from "./listeners.ts";
export type { BrokerState, ImportResult, SavedSession } from "./state.ts";
export { STATE_VERSION } from "./state.ts";
export { RC } from "./codes.ts";
export { topicMatches } from "./topics.ts";
export type * from "./hooks.ts";
