// channels: Mainflux/Magistrala/SuperMQ channels as a subsystem of their own (like bridge/):
// the topic grammar (parsed once per message), one rights cache keyed by credential
// reference (rights from auth's current()), SenML stored before delivery, the MQTT side,
// and the HTTP and WebSocket adapters with their sockets. app/ only wires it.
export { channelTopic } from "./topics.ts";
export { createChannelMessages } from "./messages.ts";
export { createChannelMqtt } from "./mqtt.ts";
export { createChannelAdapters } from "./adapters.ts";
export type ChannelMqtt = ReturnType<typeof import("./mqtt.ts").createChannelMqtt>;
