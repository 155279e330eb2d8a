// http: Bun.serve with the /db/* API, /health and the MQTT WebSocket upgrade.
export {
  createHttpFetch,
  createHttpServer,
  type HttpDeps,
  type HttpServer,
  type HttpSockets,
  type HttpWebSocket,
} from "./server.ts";
export type { FrontPeer } from "./tls-front.ts";
export { DEFAULT_BODY_LIMIT, mediaType, readBody } from "./body.ts";
export type { HttpHandler } from "./handler.ts";
export type { Connection, HttpAuth, HttpContext, HttpRoute } from "./types.ts";
export { queryResponseJson, toJson } from "./json.ts";
export { identifyRequest, type HttpIdentify, type Identification } from "./auth-check.ts";
export { handleQuery } from "./routes/query.ts";
