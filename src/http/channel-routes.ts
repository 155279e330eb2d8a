// http's second entry: the channel adapters' routes alone (HTTP messages, readers, channel
// management) and the types they need. The channels service and its wiring are part of the
// broker's start graph; importing them through index.ts would load the whole HTTP server,
// its routes and the console before the first CONNACK (docs/performance.md "Start").
export type { RouteSpec } from "./route.ts";
export type { HttpSockets } from "./server.ts";
export { channelRoutes } from "./routes/channels.ts";
export { channelMessageRoutes } from "./routes/channel-messages.ts";
export { channelReaderRoutes, type ReadRows } from "./routes/readers.ts";
