// http: Bun.serve around ONE route table and ONE runner (site guard -> brute-force guard ->
// identify -> authorize -> handler -> audit); routes/<resource>.ts declare the routes.
export { createHttpServer, type HttpDeps, type HttpServer } from "./server.ts";
export { createInflightLimit, DEFAULT_MAX_REQUESTS_PER_ADDRESS } from "./inflight.ts";
export { handleQuery } from "./routes/query.ts";
export { auditRoutes } from "./routes/audit.ts";
export { domainRoutes } from "./routes/domains.ts";
export { domainMemberRoutes, type MembershipStore } from "./routes/domain-members.ts";
export { invitationRoutes } from "./routes/invitations.ts";
export { domainClientRoutes, type DomainClientStore } from "./routes/domain-clients.ts";
export { domainChannelRoutes, type DomainChannelStore } from "./routes/domain-channels.ts";
export { dashboardRoutes } from "./routes/dashboards.ts";
export { mainfluxThingRoutes, type ThingStore } from "./routes/mainflux-things.ts";
export { mainfluxConnectRoutes, type ConnectStore } from "./routes/mainflux-connect.ts";
export { domainGroupRoutes, type DomainGroupStore } from "./routes/domain-groups.ts";
export { keyRoutes } from "./routes/keys.ts";
export { pendingKeyRoutes } from "./routes/keys-pending.ts";
export { createKeysService } from "./routes/keys-service.ts";
export { consoleRoutes } from "./routes/console.ts";
export type {
  BanView,
  ConnectionView,
  ConsoleSource,
  ExportView,
  ListenerView,
  TableView,
} from "./routes/console-views.ts";
export { sessionRoutes } from "./routes/session.ts";
export { userRoutes } from "./routes/users.ts";
export { patRoutes } from "./routes/pats.ts";
export { outcomeRow } from "./audit-events.ts";
export { createPasswordLogin } from "./password-login.ts";
export { consoleAssetRoutes } from "./routes/console-assets.ts";
export { estRoutes } from "./routes/est.ts";
