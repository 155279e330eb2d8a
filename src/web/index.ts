// web: the embedded key-management UI (static files) and its JSON API under /web/api/.
import type { Guard, People } from "../auth/index.ts";
import type { AuditLog, Channels } from "../registry/index.ts";
import type { Logger } from "../lib/log.ts";
import type { Pki } from "../pki/index.ts";
import { createWebApi } from "./api.ts";
import { createPasswordLogin } from "./login.ts";
import { createPeopleApi, type PeopleRoute } from "./people-api.ts";
import { createWebAssets } from "./assets.ts";
import type { ConsoleSource } from "./console-api.ts";
import type { KeyRegistry } from "./types.ts";
import type { Users } from "../registry/index.ts";

export { createWebApi, type WebApiDeps, type WebApiHandler } from "./api.ts";
export { createWebAssets, type WebAssets, type WebSource } from "./assets.ts";
export { createPasswordLogin, type PasswordLogin } from "./login.ts";
export {
  apiError,
  bearerUser,
  createPeopleApi,
  readJsonBody,
  type PeopleAuth,
  type PeopleContext,
  type PeopleRoute,
} from "./people-api.ts";
export {
  ADMIN_USER,
  ADMIN_PASSWORD_FILE,
  ensureAdmin,
  generatePassword,
  openUsers,
  validatePassword,
  type Users,
} from "../registry/index.ts";
export type { CreatedKey, KeyRecord, KeyRegistry } from "./types.ts";
export type {
  BanView,
  ConnectionView,
  ConsoleSource,
  ListenerView,
  ExportView,
  HistoryView,
  OverviewView,
  TableView,
} from "./console-api.ts";
export { createZip, crc32, type ZipEntry } from "./zip.ts";
export { createKeysApi, type KeysApiDeps } from "./keys-api.ts";
export { keyManagementRoutes, type KeyCaller } from "./keys-http.ts";
export { createChannelsApi } from "./channels-api.ts";
export { channelManagementRoutes, type ChannelCaller } from "./channels-http.ts";

export interface WebHandler {
  /** The UI and its API; undefined for paths that are not `/`, `/web` or under `/web/`. */
  (req: Request, url: URL, clientIp?: string): Promise<Response | undefined>;
  /** Load/build the UI files now (call at startup to fail early); resolves to where they came from. */
  load: WebAssets["load"];
}
type WebAssets = ReturnType<typeof createWebAssets>;

/** One handler for the HTTP server: /web/api/*, then /users/*, /pats, /audit, then the static UI. */
export function createWebHandler(deps: {
  registry: KeyRegistry;
  pki: Pki;
  users: Users;
  people: People;
  guard: Guard;
  audit: Pick<AuditLog, "record" | "query">;
  log: Logger;
  defaultScopes?: () => readonly string[];
  console?: ConsoleSource;
  channels?: Channels;
  /** more routes for the people API (PATs) */
  peopleRoutes?: PeopleRoute[];
}): WebHandler {
  const login = createPasswordLogin({ users: deps.users, guard: deps.guard, audit: deps.audit, log: deps.log });
  const api = createWebApi({ ...deps, login });
  const people = createPeopleApi({
    people: deps.people,
    login,
    audit: deps.audit,
    log: deps.log,
    ...(deps.peopleRoutes ? { extra: deps.peopleRoutes } : {}),
  });
  const assets = createWebAssets({ log: deps.log });
  const handler = async (req: Request, url: URL, clientIp?: string) =>
    (await api(req, url, clientIp)) ?? (await people(req, url, clientIp)) ?? (await assets.handle(req, url));
  return Object.assign(handler, { load: () => assets.load() });
}
export { asUuid, parseTtl, patJson, patRoutes } from "./pats-api.ts";
