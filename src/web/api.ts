// The web UI's JSON API under /web/api/*, as one route table. Everything except login
// needs a session token (Authorization: Bearer <token>) from POST /web/api/login. Bearer
// headers, not cookies, so there is no CSRF surface: another site cannot make the
// browser send it. The table answers 404 and 405; `auth` says what a route needs.
import { authorize, type Operation, type People, SESSION_TTL_MS, type UserIdentity } from "../auth/index.ts";
import type { AuditLog, Channels } from "../registry/index.ts";
import { badRequest } from "../lib/errors.ts";
import { readBody } from "../lib/http/body.ts";
import { errorResponse, failure, ok } from "../lib/http/respond.ts";
import { type Params, type Route, routeTable } from "../lib/http/routes.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import type { Pki } from "../pki/index.ts";
import { createConsoleApi, type ConsoleSource } from "./console-api.ts";
import { createKeysApi } from "./keys-api.ts";
import { createChannelsApi, grantsPublish } from "./channels-api.ts";
import type { PasswordLogin } from "./login.ts";
import { bearerUser, SESSION_COOKIE } from "./people-api.ts";
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import type { KeyRegistry } from "./types.ts";
import type { Users } from "../registry/index.ts";

export interface WebApiDeps {
  registry: KeyRegistry;
  pki: Pki;
  users: Users;
  log?: Logger;
  /** sessions, login keys and the users they belong to */
  people: People;
  /** the password check behind the brute-force guard */
  login: PasswordLogin;
  /** the audit trail: changes made through the UI; the console reads it */
  audit?: Pick<AuditLog, "record" | "query">;
  now?: () => number;
  /** scopes of a key generated without a `scopes` field (Auth.DefaultScopes, read per request) */
  defaultScopes?: () => readonly string[];
  /** what the console pages show (overview, tables, query, connections, settings); no console routes without it */
  console?: ConsoleSource;
  /** Mainflux-style channels; no channel routes without it */
  channels?: Channels;
}

/**
 * What a /web/api route asks of the caller: "none" (login) or "session" (a live session
 * token of a user whose password has not changed since). Extended here for new kinds.
 */
export type WebAuth = "none" | "session";

export interface WebContext {
  url: URL;
  params: Params;
  /** performance.now() when the request arrived (for `elapse`) */
  started: number;
  /** the peer address, for per-IP login limits ("unknown" without one) */
  ip: string;
  /** set for "session" routes: the user and the session (or access key) */
  session?: UserIdentity;
}

export type WebRoute = Route<WebContext, WebAuth>;

/**
 * Handles /web/api/*; returns undefined for any other path so the HTTP server can fall
 * through. Pass the peer address as `clientIp` (Bun: `server.requestIP(req)?.address`)
 * so login attempts are rate limited per IP; without it all callers share one bucket.
 */
export type WebApiHandler = ((req: Request, url: URL, clientIp?: string) => Promise<Response | undefined>) & {
  readonly routes: readonly WebRoute[];
};

const PREFIX = "/web/api/";
const MAX_BODY = 64 * 1024;

async function readJson(req: Request): Promise<Record<string, unknown>> {
  // capped while reading: a chunked gigabyte costs at most MAX_BODY bytes
  const text = new TextDecoder().decode(await readBody(req, MAX_BODY));
  let v: unknown;
  try {
    v = text === "" ? {} : JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "request body is not valid JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw badRequest("invalid_json", "request body must be a JSON object");
  }
  return v as Record<string, unknown>;
}

export function createWebApi(deps: WebApiDeps): WebApiHandler {
  const log = deps.log ?? createLogger("web");
  const now = deps.now ?? Date.now;
  const { people } = deps;
  const audit = deps.audit ?? { record() {}, query: () => [] };
  /** a change made through the UI, recorded once it succeeded */
  const changed = async (c: WebContext, action: string, target: string, run: () => Promise<Response> | Response) => {
    const res = await run();
    if (res.status < 300)
      audit.record({ kind: "change", action, result: "ok", user: user(c), address: c.ip, listener: "http", target });
    return res;
  };
  /** may this user do `op` on `id` (a key, a channel)? (admins may do everything) */
  const denied = (c: WebContext, op: Operation, id: string): Response | undefined => {
    if (!c.session) return failure(401, "invalid or expired session");
    const d = authorize(c.session.principal, op, id);
    return d.allow ? undefined : failure(403, d.reason);
  };
  const keys = createKeysApi({
    registry: deps.registry,
    pki: deps.pki,
    log,
    now,
    defaultScopes: deps.defaultScopes ?? (() => ALL_ACCESS_SCOPES),
  });

  async function login(req: Request, c: WebContext): Promise<Response> {
    const body = await readJson(req);
    const { loginName, password } = body;
    if (typeof loginName !== "string" || typeof password !== "string") {
      throw badRequest("invalid_login", "loginName and password are required");
    }
    const r = await deps.login(loginName, password, {
      ip: c.ip,
      listener: c.url.protocol === "https:" ? "https" : "http",
    });
    if (!r.ok) return r.response;
    const token = people.startSession(r.user);
    const res = ok(c.started, { accessToken: token });
    // the same session as an HttpOnly cookie: script on the page cannot read it, and
    // SameSite=Strict keeps other sites from sending it (the cross-site check is there too)
    const secure = c.url.protocol === "https:" ? "; Secure" : "";
    res.headers.set(
      "set-cookie",
      `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/web/api; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
    );
    return res;
  }

  const user = (c: WebContext) => c.session?.user.name ?? "";
  const consoleApi = deps.console
    ? createConsoleApi({
        source: deps.console,
        revokeKey: async (id, by) => {
          await keys.revoke(performance.now(), id, `user ${by}`);
        },
      })
    : undefined;
  const consoleRoutes: WebRoute[] = consoleApi
    ? [
        {
          method: "GET",
          path: "/web/api/console/overview",
          auth: "session",
          handler: (_, c) => denied(c, "metrics:read", "*") ?? consoleApi.overview(c.started),
        },
        {
          method: "GET",
          path: "/web/api/console/history",
          auth: "session",
          handler: (_, c) =>
            denied(c, "metrics:read", "*") ?? consoleApi.history(c.started, c.url.searchParams.get("range")),
        },
        {
          method: "GET",
          path: "/web/api/console/tables",
          auth: "session",
          handler: (_, c) =>
            consoleApi.tables(c.started, (t) => !!c.session && authorize(c.session.principal, "tables:read", t).allow),
        },
        {
          method: "POST",
          path: "/web/api/console/query",
          auth: "session",
          // the same path as /db/query: every table read must pass the user's tables:read scopes
          handler: (req, c) =>
            (c.session ? consoleApi.query(req, c.url, c.session.principal) : undefined) ??
            failure(401, "invalid or expired session"),
        },
        {
          method: "GET",
          path: "/web/api/console/connections",
          auth: "session",
          handler: (_, c) => denied(c, "keys:list", "*") ?? consoleApi.connections(c.started),
        },
        {
          method: "POST",
          path: "/web/api/console/connections/:id/disconnect",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            const key = consoleApi.keyOf(c.params.id!);
            // throwing a client out is key management: revoke rights on its key
            return (
              denied(c, "keys:revoke", key ?? "*") ??
              changed(c, body.revoke === true ? "client.disconnect_revoke" : "client.disconnect", c.params.id!, () =>
                consoleApi.disconnect(c.started, c.params.id!, body, user(c)),
              )
            );
          },
        },
        {
          method: "GET",
          path: "/web/api/console/settings",
          auth: "session",
          handler: (_, c) => denied(c, "settings:read", "*") ?? consoleApi.settings(),
        },
        {
          method: "GET",
          path: "/web/api/console/bans",
          auth: "session",
          handler: (_, c) => denied(c, "bans:list", "*") ?? consoleApi.bans(c.started),
        },
        {
          method: "POST",
          path: "/web/api/console/bans/clear",
          auth: "session",
          handler: async (req, c) => {
            const no = denied(c, "bans:clear", "*");
            if (no) return no;
            const body = await readJson(req);
            const target = typeof body.address === "string" ? body.address : "*";
            return changed(c, "ban.clear", target, () => consoleApi.clearBans(c.started, body));
          },
        },
      ]
    : [];
  const channelsApi = deps.channels ? createChannelsApi(deps.channels) : undefined;
  // the same channels:<op>:<id> decisions as /channels (admins hold every one)
  const channelRoutes: WebRoute[] = channelsApi
    ? [
        {
          method: "GET",
          path: "/web/api/channels",
          auth: "session",
          handler: (_, c) =>
            channelsApi.list(
              c.started,
              (id) => !!c.session && authorize(c.session.principal, "channels:list", id).allow,
            ),
        },
        {
          method: "POST",
          path: "/web/api/channels",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            const id = String(body.id ?? "");
            const table = channelsApi.tableOf(id, body);
            return (
              denied(c, "channels:create", id) ??
              (table !== undefined ? denied(c, "tables:write", table) : undefined) ??
              changed(c, "channel.create", id, () => channelsApi.create(c.started, body))
            );
          },
        },
        {
          method: "DELETE",
          path: "/web/api/channels/:id",
          auth: "session",
          handler: (_, c) =>
            denied(c, "channels:delete", c.params.id!) ??
            changed(c, "channel.delete", c.params.id!, () => channelsApi.remove(c.started, c.params.id!)),
        },
        {
          method: "POST",
          path: "/web/api/channels/:id/connect",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            const table = grantsPublish(body) ? channelsApi.tableOf(c.params.id!) : undefined;
            return (
              denied(c, "channels:connect", c.params.id!) ??
              (table !== undefined ? denied(c, "tables:write", table) : undefined) ??
              changed(c, "channel.connect", c.params.id!, () => channelsApi.connect(c.started, c.params.id!, body))
            );
          },
        },
        {
          method: "POST",
          path: "/web/api/channels/:id/disconnect",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            return (
              denied(c, "channels:disconnect", c.params.id!) ??
              changed(c, "channel.disconnect", c.params.id!, () =>
                channelsApi.disconnect(c.started, c.params.id!, body),
              )
            );
          },
        },
      ]
    : [];
  const table = routeTable<WebRoute>([
    { method: "POST", path: "/web/api/login", auth: "none", handler: login },
    {
      method: "POST",
      path: "/web/api/logout",
      auth: "session",
      handler: (_, c) => {
        if (c.session) people.endSession(c.session.key);
        const res = ok(c.started);
        res.headers.set("set-cookie", `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/web/api; Max-Age=0`);
        return res;
      },
    },
    { method: "GET", path: "/web/api/check", auth: "session", handler: (_, c) => ok(c.started, { user: user(c) }) },
    { method: "GET", path: "/web/api/server-cert", auth: "session", handler: () => keys.serverCert() },
    {
      method: "GET",
      path: "/web/api/keys",
      auth: "session",
      handler: (_, c) => denied(c, "keys:list", "*") ?? keys.list(c.started),
    },
    {
      method: "POST",
      path: "/web/api/keys",
      auth: "session",
      handler: async (req, c) => {
        const body = await readJson(req);
        const id = String(body.name ?? body.id ?? "");
        const no = denied(c, "keys:create", id);
        if (no) return no;
        return changed(c, "key.create", id, () => keys.create(c.started, body, `user ${user(c)}`));
      },
    },
    {
      method: "DELETE",
      path: "/web/api/keys/:id",
      auth: "session",
      handler: (_, c) =>
        denied(c, "keys:delete", c.params.id!) ??
        changed(c, "key.delete", c.params.id!, () => keys.remove(c.started, c.params.id!, `user ${user(c)}`)),
    },
    {
      method: "POST",
      path: "/web/api/keys/:id/revoke",
      auth: "session",
      handler: (_, c) =>
        denied(c, "keys:revoke", c.params.id!) ??
        changed(c, "key.revoke", c.params.id!, () => keys.revoke(c.started, c.params.id!, `user ${user(c)}`)),
    },
    ...consoleRoutes,
    ...channelRoutes,
  ]);

  async function handle(req: Request, url: URL, ip: string, started: number): Promise<Response | undefined> {
    const found = table.match(req.method, url.pathname);
    if ("response" in found) return found.response;
    const c: WebContext = { url, params: found.params, started, ip };
    if (found.route.auth === "session") {
      // a session from POST /web/api/login, or a login access key (one implementation)
      const s = bearerUser(req, people, false, true);
      if (s instanceof Response) return s;
      c.session = s;
    }
    return found.route.handler(req, c);
  }

  const handler = async (req: Request, url: URL, clientIp?: string) => {
    if (!url.pathname.startsWith(PREFIX)) return url.pathname === "/web/api" ? failure(404, "not found") : undefined;
    try {
      return await handle(req, url, clientIp ?? "unknown", performance.now());
    } catch (err) {
      return errorResponse(err, log, `${req.method} ${url.pathname}`);
    }
  };
  return Object.assign(handler, { routes: table.routes });
}
