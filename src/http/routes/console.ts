// The operator console's read-mostly API under /web/api/console/*: overview figures,
// tables, queries (the same query path as /db/query), connected clients (with
// disconnect and "disconnect and revoke"), bans and the resolved config, each decided by
// the signed-in user's scopes. What it shows comes from a ConsoleSource that app builds
// from the broker handle, the store and the config: http never sees the broker itself.
import { principalName } from "../../auth/index.ts";
import { badRequest, notFound } from "../../lib/errors.ts";
import { jsonResponse, ok } from "../../lib/http/respond.ts";
import { readJsonBody } from "../json-body.ts";
import { CONSOLE, type RouteSpec } from "../route.ts";
import type { ConsoleSource } from "./console-views.ts";

export interface ConsoleRoutesDeps {
  source: ConsoleSource;
  /** revoke a key (the same path as the keys page) */
  revokeKey(id: string, user: string): Promise<void>;
}

export function consoleRoutes(d: ConsoleRoutesDeps): RouteSpec[] {
  const { source } = d;
  const keyOf = (clientId: string) => source.connections().find((c) => c.clientId === clientId)?.key ?? undefined;
  return [
    {
      method: "GET",
      path: "/web/api/console/overview",
      who: CONSOLE,
      scope: { op: "metrics:read", target: "*" },
      handler: (_, c) => ok(c.started, { data: source.overview() }),
    },
    {
      method: "GET",
      path: "/web/api/console/history",
      who: CONSOLE,
      scope: { op: "metrics:read", target: "*" },
      handler: (_, c) => {
        const range = c.url.searchParams.get("range");
        if (range !== "1h" && range !== "24h") throw badRequest("bad_request", "range must be 1h or 24h");
        return ok(c.started, { data: source.history(range) });
      },
    },
    {
      method: "GET",
      path: "/web/api/console/tables",
      who: CONSOLE,
      // only the tables this user may read
      handler: async (_, c) =>
        ok(c.started, { data: (await source.tables()).filter((t) => c.may("tables:read", t.name)) }),
    },
    {
      method: "POST",
      path: "/web/api/console/query",
      who: CONSOLE,
      // the same path as /db/query: every table read must pass the user's tables:read scopes
      handler: (req, c) => source.query(req, c.url, c.principal!, (t) => c.check("tables:read", t)),
    },
    {
      method: "GET",
      path: "/web/api/console/connections",
      who: CONSOLE,
      scope: { op: "keys:list", target: "*" },
      handler: (_, c) => ok(c.started, { data: source.connections() }),
    },
    {
      method: "POST",
      path: "/web/api/console/connections/:id/disconnect",
      who: CONSOLE,
      change: "client.disconnect",
      handler: async (req, c) => {
        const id = c.params.id!;
        const body = await readJsonBody(req);
        // throwing a client out is key management: revoke rights on its key
        c.need("keys:revoke", keyOf(id) ?? "*");
        const revoke = body.revoke ?? false;
        if (typeof revoke !== "boolean") throw badRequest("bad_request", '"revoke" must be true or false');
        c.changed = { target: id, ...(revoke ? { action: "client.disconnect_revoke" } : {}) };
        const conn = source.connections().find((x) => x.clientId === id);
        if (!conn) throw notFound("not_connected", `client ${id} is not connected`);
        if (revoke) {
          if (!conn.key) throw badRequest("no_key", `client ${id} connected without a key: nothing to revoke`);
          await d.revokeKey(conn.key, c.principal ? principalName(c.principal) : "");
        }
        source.disconnect(id);
        return ok(c.started, { revoked: revoke ? conn.key : null });
      },
    },
    {
      method: "GET",
      path: "/web/api/console/settings",
      who: CONSOLE,
      scope: { op: "settings:read", target: "*" },
      handler: () =>
        jsonResponse({ success: true, reason: "success", data: { config: source.settings() } }, 200, {
          "cache-control": "no-store",
        }),
    },
    {
      method: "GET",
      path: "/web/api/console/bans",
      who: CONSOLE,
      scope: { op: "bans:list", target: "*" },
      handler: (_, c) => ok(c.started, { data: source.bans() }),
    },
    {
      method: "POST",
      path: "/web/api/console/bans/clear",
      who: CONSOLE,
      scope: { op: "bans:clear", target: "*" },
      change: "ban.clear",
      handler: async (req, c) => {
        const { address } = await readJsonBody(req);
        if (address !== undefined && (typeof address !== "string" || address === "" || address.length > 64))
          throw badRequest("bad_request", '"address" must be an address, or left out to lift every ban');
        c.changed = { target: typeof address === "string" ? address : "*" };
        return ok(c.started, { lifted: source.clearBans(address) });
      },
    },
  ];
}
