// Public API of the MQTT broker core.
export { Broker } from "./broker.ts";
export type { BrokerOptions } from "./broker.ts";
export type { BrokerStats, AppPublish, ClientDetails } from "./broker-types.ts";
export type { ListenOptions, Listening, TlsListenOptions } from "./listeners.ts";
export type { WsData } from "./websocket.ts";
export type { BrokerState, ImportResult, SavedSession } from "./state.ts";
export { STATE_VERSION } from "./state.ts";
export { RC, connackCodeV3 } from "./codes.ts";
export { isValidTopicFilter, isValidTopicName, topicMatches } from "./topics.ts";
export type * from "./hooks.ts";
