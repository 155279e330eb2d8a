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
export { channelReaderRoutes, type ReadRows } from "./routes/readers.ts";
