// http: Bun.serve around ONE route table and ONE runner (site guard -> brute-force guard ->
// identify -> authorize -> handler -> audit); routes/<resource>.ts declare the routes.
export { createHttpFetch, createHttpServer, type HttpDeps, type HttpServer, type HttpSockets } from "./server.ts";
export type { FrontPeer } from "./tls-front.ts";
export { DEFAULT_BODY_LIMIT, mediaType, readBody } from "./body.ts";
export type { HttpHandler } from "./runner.ts";
export {
  API,
  ANY,
  CONSOLE,
  PERSON,
  THINGS,
  type Connection,
  type RouteContext,
  type RouteSpec,
  type Who,
} from "./route.ts";
export type { HttpIdentify } from "./caller.ts";
export type { HttpWebSocket } from "./routes/mqtt-ws.ts";
export { queryResponseJson, toJson } from "./json.ts";
export { handleQuery } from "./routes/query.ts";
export { auditRoutes } from "./routes/audit.ts";
export { channelMessageRoutes, type ChannelMessageDeps } from "./routes/channel-messages.ts";
export { channelRoutes } from "./routes/channels.ts";
export type { ChannelStore } from "./routes/channels-service.ts";
export { domainRoutes } from "./routes/domains.ts";
export { channelReaderRoutes, type ReadRows } from "./routes/readers.ts";
export { keyRoutes, type KeysDeps } from "./routes/keys.ts";
export { createKeysService, type KeyRegistry } from "./routes/keys-service.ts";
export { consoleRoutes } from "./routes/console.ts";
export type {
  BanView,
  ConnectionView,
  ConsoleSource,
  ExportView,
  HistoryView,
  ListenerView,
  OverviewView,
  TableView,
} from "./routes/console-views.ts";
export { sessionRoutes } from "./routes/session.ts";
export { userRoutes } from "./routes/users.ts";
export { patRoutes } from "./routes/pats.ts";
export { createPasswordLogin, type PasswordLogin } from "./password-login.ts";
export { consoleAssetRoutes, type ConsoleAssets } from "./routes/console-assets.ts";
export { estRoutes } from "./routes/est.ts";
