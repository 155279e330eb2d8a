// channels: Mainflux/Magistrala/SuperMQ channels as a subsystem of their own (like bridge/):
// the topic grammar (parsed once per message), one rights cache keyed by credential
// reference (rights from auth's current()), SenML stored before delivery, the MQTT side,
// and the HTTP and WebSocket adapters with their sockets. app/ only wires it.
export { channelTopic, type ChannelTopic, parseChannelTopic } from "./topics.ts";
export {
  createChannelMessages,
  type ChannelMessages,
  type ChannelWriter,
  type IngestResult,
  type MessageOrigin,
  SENML_JSON,
} from "./messages.ts";
export { createChannelMqtt, type ChannelAsker } from "./mqtt.ts";
export { createChannelAdapters, type ChannelAdapters } from "./adapters.ts";
export { isChannelSocket, type ChannelSocketData, type ChannelSockets } from "./sockets.ts";
export type ChannelMqtt = ReturnType<typeof import("./mqtt.ts").createChannelMqtt>;
