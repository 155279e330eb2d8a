// Key management over HTTP, one set of handlers behind two doors:
//   /keys          any API credential (client token or certificate, login access key, PAT)
//   /web/api/keys  the console (a web session)
//   GET  list (the keys the caller's keys:list scopes name)   POST create {id|name, scopes?, type?, notBefore?, notAfter?}
//   POST /<id>/sign {csr, days?, notAfter?, scopes?} (a device's PKCS#10 request, as `neo shell key sign`)
//   DELETE /<id>   POST /<id>/revoke   POST /<id>/rotate (scripts only)
// Each action needs `keys:<op>:<id>` (the route's scope, or `c.need` for an id in the
// body); each change is audited by the runner (`key.create`, ...).
import { principalName } from "../../auth/index.ts";
import type { Pki } from "../../pki/index.ts";
import { badRequest, conflict, notFound } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { readJsonBody } from "../json-body.ts";
import { API, CONSOLE, type RouteContext, type RouteSpec } from "../route.ts";
import { createKeysService, type KeyRegistry } from "./keys-service.ts";

export interface KeysDeps {
  registry: KeyRegistry;
  pki: Pki;
  log: Logger;
  now?: () => number;
  /** scopes of a key made without a `scopes` field (Auth.DefaultScopes, read per request) */
  defaultScopes: () => readonly string[];
}

/** a key that does not exist (keys-service's answer); another domain's is answered so too */
const absent = (id: string) => notFound("client_not_found", `client id ${id} not found`);
/** ids are global (MQTT client ids): another domain's is taken, as a default-domain one (keys-service) */
const taken = (id: string) => conflict("client_exists", `client id ${id} already exists`);

/** who made a change, for the log */
const actor = (c: RouteContext) =>
  `${c.principal?.kind ?? "anonymous"} ${c.principal ? principalName(c.principal) : ""}`;

export function keyRoutes(d: KeysDeps): RouteSpec[] {
  const keys = createKeysService({ ...d, now: d.now ?? Date.now });
  /** an id from the body, decided like one from the path */
  const bodyId = async (req: Request, c: RouteContext) => {
    const body = await readJsonBody(req);
    const id = body.name ?? body.id;
    if (typeof id !== "string" || id === "") throw badRequest("invalid_client_id", 'give the new key\'s "id"');
    c.need("keys:create", id, undefined, taken);
    c.changed = { target: id };
    return body;
  };
  const routes = (prefix: string, who: typeof API): RouteSpec[] => [
    {
      method: "POST",
      path: prefix,
      who,
      change: "key.create",
      handler: async (req, c) => keys.create(c.started, await bodyId(req, c), actor(c)),
    },
    {
      method: "DELETE",
      path: `${prefix}/:id`,
      who,
      scope: { op: "keys:delete", target: ":id", absent },
      change: "key.delete",
      handler: (_, c) => keys.remove(c.started, c.params.id!, actor(c)),
    },
    {
      method: "POST",
      path: `${prefix}/:id/sign`,
      who,
      scope: { op: "keys:create", target: ":id", absent: taken },
      change: "key.sign",
      handler: async (req, c) => keys.sign(c.started, c.params.id!, await readJsonBody(req), actor(c)),
    },
    {
      method: "POST",
      path: `${prefix}/:id/revoke`,
      who,
      scope: { op: "keys:revoke", target: ":id", absent },
      change: "key.revoke",
      handler: (_, c) => keys.revoke(c.started, c.params.id!, actor(c)),
    },
  ];
  return [
    {
      method: "GET",
      path: "/keys",
      who: API,
      handler: (_, c) => {
        // a caller sees the keys its keys:list scopes name; with none at all it is refused
        if (!c.principal?.scopes.some((s) => s.operation === "keys:list" && !s.deny)) c.need("keys:list", "*");
        return keys.list(c.started, (id) => c.may("keys:list", id));
      },
    },
    ...routes("/keys", API),
    {
      method: "POST",
      path: "/keys/:id/rotate",
      who: API,
      scope: { op: "keys:rotate", target: ":id", absent },
      change: "key.rotate",
      handler: async (req, c) => {
        const id = c.params.id!;
        // a key rotating itself cannot outlive its current expiry (it cannot extend itself)
        const self = c.principal?.kind === "client" && c.principal.id === id;
        return keys.rotate(c.started, id, await readJsonBody(req), actor(c), { self });
      },
    },
    {
      method: "GET",
      path: "/web/api/keys",
      who: CONSOLE,
      scope: { op: "keys:list", target: "*" },
      handler: (_, c) => keys.list(c.started),
    },
    ...routes("/web/api/keys", CONSOLE),
    { method: "GET", path: "/web/api/server-cert", who: CONSOLE, handler: () => keys.serverCert() },
  ];
}
