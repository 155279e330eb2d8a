// Public API of the config subsystem: HCL-like file -> typed, validated NeoConfig.
export type {
  BridgeConfig,
  ExportConfig,
  ClientAuthMode,
  CredentialForm,
  HttpListenerConfig,
  ListenConfig,
  MqttLimits,
  MqttListenerConfig,
  NeoConfig,
  QueryConfig,
  TlsConfig,
  TrustedCaConfig,
} from "./types.ts";
export {
  defaultConfig,
  DEFAULT_DATA,
  DEFAULT_HTTP_PORT,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MQTT_PORT,
} from "./defaults.ts";
export { loadConfig, parseConfigText, type LoadOptions } from "./load.ts";
export { parseBool, type ConfigFlags } from "./sources.ts";
export { defaultConfigText, formatConfig } from "./format.ts";
export { formatListen, parseHost, parseListen, parsePort } from "./listen.ts";
export { closest } from "./suggest.ts";
export {
  httpListeners,
  mqttListeners,
  type ResolvedHttpListener,
  type ResolvedListener,
  type ResolvedMqttListener,
} from "./listeners.ts";
