// Key management over HTTP for any identified caller (client token or certificate, login
// access key, PAT): GET/POST /keys, DELETE /keys/<id>, POST /keys/<id>/revoke|rotate.
// The same handlers as /web/api/keys (keys-api.ts); every action is first decided by
// authorize() with the caller's `keys:<list|create|delete|revoke|rotate>:<id>` scopes.
// The HTTP server's route table mounts these with its "client" requirement.
import { authorize, type Identified, type Operation, principalName } from "../auth/index.ts";
import { badRequest, forbidden, unauthorized } from "../lib/errors.ts";
import type { Params, Route } from "../lib/http/routes.ts";
import type { AuditLog } from "../registry/index.ts";
import type { createKeysApi } from "./keys-api.ts";
import { readJsonBody } from "./people-api.ts";

/** what a route gets from the HTTP server (a subset of its context) */
export interface KeyCaller {
  params: Params;
  url: URL;
  principal?: Identified;
  clientIp?: string;
  /** set behind the HTTPS client-certificate front */
  peer?: unknown;
}

type KeysApi = ReturnType<typeof createKeysApi>;

export function keyManagementRoutes(keys: KeysApi, audit?: Pick<AuditLog, "record">): Route<KeyCaller, "client">[] {
  /** the caller, once authorize() let it do `op` on key `id` */
  const allowed = (c: KeyCaller, op: Operation, id: string): Identified => {
    const p = c.principal;
    if (!p) throw unauthorized("unauthorized", "key management needs a token or client certificate");
    const d = authorize(p, op, id);
    if (!d.allow) throw forbidden("forbidden", `${d.reason} (needs the scope ${op}:${id === "*" ? "*" : id})`);
    return p;
  };
  const actor = (p: Identified) =>
    `${p.kind === "client" ? "client" : p.kind === "user" ? "user" : "anonymous"} ${principalName(p)}`;
  const changed = async (c: KeyCaller, p: Identified, action: string, id: string, run: () => Promise<Response>) => {
    const res = await run();
    if (res.status < 300)
      audit?.record({
        kind: "change",
        action,
        result: "ok",
        ...(p.kind === "client" ? { client: p.id } : { user: principalName(p) }),
        ...(c.clientIp ? { address: c.clientIp } : {}),
        listener: c.peer || c.url.protocol === "https:" ? "https" : "http",
        target: id,
      });
    return res;
  };
  const started = () => performance.now();

  return [
    {
      method: "GET",
      path: "/keys",
      auth: "client",
      handler: (_, c) => {
        const p = c.principal;
        if (!p) throw unauthorized("unauthorized", "key management needs a token or client certificate");
        // a caller sees the keys its keys:list scopes name; with none at all it is refused
        const any = p.scopes.some((s) => s.operation === "keys:list" && !s.deny);
        if (!any) allowed(c, "keys:list", "*");
        return keys.list(started(), (id) => authorize(p, "keys:list", id).allow);
      },
    },
    {
      method: "POST",
      path: "/keys",
      auth: "client",
      handler: async (req, c) => {
        const body = await readJsonBody(req);
        const id = body.name ?? body.id;
        if (typeof id !== "string" || id === "") throw badRequest("invalid_client_id", 'give the new key\'s "id"');
        const p = allowed(c, "keys:create", id);
        return changed(c, p, "key.create", id, () => keys.create(started(), body, actor(p)));
      },
    },
    {
      method: "DELETE",
      path: "/keys/:id",
      auth: "client",
      handler: (_, c) => {
        const id = c.params.id!;
        const p = allowed(c, "keys:delete", id);
        return changed(c, p, "key.delete", id, () => keys.remove(started(), id, actor(p)));
      },
    },
    {
      method: "POST",
      path: "/keys/:id/revoke",
      auth: "client",
      handler: (_, c) => {
        const id = c.params.id!;
        const p = allowed(c, "keys:revoke", id);
        return changed(c, p, "key.revoke", id, () => keys.revoke(started(), id, actor(p)));
      },
    },
    {
      method: "POST",
      path: "/keys/:id/rotate",
      auth: "client",
      handler: async (req, c) => {
        const id = c.params.id!;
        const p = allowed(c, "keys:rotate", id);
        const body = await readJsonBody(req);
        // a key rotating itself cannot outlive its current expiry (it cannot extend itself)
        const self = p.kind === "client" && p.id === id;
        return changed(c, p, "key.rotate", id, () => keys.rotate(started(), id, body, actor(p), { self }));
      },
    },
  ];
}
