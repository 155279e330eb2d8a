// http: Bun.serve with the /db/* API, /health and the MQTT WebSocket upgrade.
export { createHttpServer, type HttpDeps, type HttpServer, type HttpWebSocket } from "./server.ts";
export { queryResponseJson, toJson, formatElapse } from "./json.ts";
export { bearerToken, type TokenVerifier, type VerifyResult } from "./auth-check.ts";
