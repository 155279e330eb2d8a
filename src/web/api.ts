// The web UI's JSON API under /web/api/*, as one route table. Everything except login
// needs a session token (Authorization: Bearer <token>) from POST /web/api/login. Bearer
// headers, not cookies, so there is no CSRF surface: another site cannot make the
// browser send it. The table answers 404 and 405; `auth` says what a route needs.
import { createGuard, type Guard } from "../auth/index.ts";
import { type AuditLog, auditJson, type Channels, parseAuditFilter } from "../registry/index.ts";
import { badRequest } from "../lib/errors.ts";
import { bearerToken } from "../lib/http/bearer.ts";
import { readBody } from "../lib/http/body.ts";
import { errorResponse, failure, ok } from "../lib/http/respond.ts";
import { type Params, type Route, routeTable } from "../lib/http/routes.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import { createLogAggregator } from "../lib/log-aggregate.ts";
import type { Pki } from "../pki/index.ts";
import { createConsoleApi, type ConsoleSource } from "./console-api.ts";
import { createKeysApi } from "./keys-api.ts";
import { createChannelsApi } from "./channels-api.ts";
import { createSessions, type Sessions } from "./sessions.ts";
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import type { KeyRegistry } from "./types.ts";
import type { Users } from "./users.ts";

export interface WebApiDeps {
  registry: KeyRegistry;
  pki: Pki;
  users: Users;
  log?: Logger;
  /** default: 60 min sliding sessions */
  sessions?: Sessions;
  /** the brute-force guard shared with every listener (default: a private one, 10 failures/min) */
  guard?: Guard;
  /** the audit trail: logins and changes made through the UI; GET /audit reads it */
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
  /** set for "session" routes */
  session?: { token: string; user: string };
}

export type WebRoute = Route<WebContext, WebAuth>;

/**
 * Handles /web/api/*; returns undefined for any other path so the HTTP server can fall
 * through. Pass the peer address as `clientIp` (Bun: `server.requestIP(req)?.address`)
 * so login attempts are rate limited per IP; without it all callers share one bucket.
 */
export type WebApiHandler = ((req: Request, url: URL, clientIp?: string) => Promise<Response | undefined>) & {
  readonly routes: readonly WebRoute[];
  /** the web user whose live session this token is (MQTT over WebSocket from the console), else undefined */
  sessionUser(token: string): string | undefined;
};

const PREFIX = "/web/api/";
/** user-facing endpoints served by the same table and sessions, outside /web/api/ */
const OUTSIDE_PREFIX = new Set(["/audit"]);
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
  // an attacker guessing passwords must not also flood the journal
  const failedLogins = createLogAggregator(log, "web: failed logins");
  const now = deps.now ?? Date.now;
  const sessions = deps.sessions ?? createSessions();
  const guard = deps.guard ?? createGuard({ maxFailures: 10, windowMs: 60_000, maxBanMs: 15 * 60_000 });
  const audit = deps.audit ?? { record() {}, query: () => [] };
  /** GET /audit?client=&user=&result=ok|fail&kind=&since=1h&limit=: newest first */
  const readAudit = (_: Request, c: WebContext) => {
    const q = Object.fromEntries(c.url.searchParams);
    const events = audit.query(parseAuditFilter({ limit: "1000", ...q }, now()));
    return ok(c.started, { data: events.map(auditJson) });
  };
  const loginEvent = (c: WebContext, result: "ok" | "fail", user?: string, reason?: string) =>
    audit.record({
      kind: "auth",
      action: "login",
      result,
      method: "password",
      listener: c.url.protocol === "https:" ? "https" : "http",
      address: c.ip,
      ...(user ? { user } : {}),
      ...(reason ? { reason } : {}),
    });
  /** a change made through the UI, recorded once it succeeded */
  const changed = async (c: WebContext, action: string, target: string, run: () => Promise<Response> | Response) => {
    const res = await run();
    if (res.status < 300)
      audit.record({ kind: "change", action, result: "ok", user: user(c), address: c.ip, listener: "http", target });
    return res;
  };
  const tooMany = (retryAfterSec: number) =>
    failure(429, `too many failed logins, retry in ${retryAfterSec}s`, { "retry-after": String(retryAfterSec) });
  const keys = createKeysApi({
    registry: deps.registry,
    pki: deps.pki,
    log,
    now,
    defaultScopes: deps.defaultScopes ?? (() => ALL_ACCESS_SCOPES),
  });

  async function login(req: Request, c: WebContext): Promise<Response> {
    // a banned address is answered before the body is read or anything is hashed
    const banned = guard.check(c.ip);
    if (!banned.ok) return tooMany(banned.retryAfterSec);
    const body = await readJson(req);
    const { loginName, password } = body;
    if (typeof loginName !== "string" || typeof password !== "string") {
      throw badRequest("invalid_login", "loginName and password are required");
    }
    const again = guard.check(c.ip); // other attempts from this address may have failed meanwhile
    if (!again.ok) return tooMany(again.retryAfterSec);
    const release = guard.begin(c.ip);
    try {
      const known = deps.users.exists(loginName);
      if (known) {
        // a user under attack: addresses that failed before wait their turn (others do not)
        const d = guard.userDelay(loginName, c.ip);
        if ("refuse" in d) return tooMany(d.retryAfterSec);
        if (d.waitMs > 0) await Bun.sleep(d.waitMs);
      }
      // Unknown user and wrong password take the same path and the same argon2id cost.
      if (!(await deps.users.verify(loginName, password))) {
        // Never log an unknown name: it may be a password typed into the wrong field.
        const who = known ? `user ${loginName}` : "an unknown user";
        failedLogins.warn(c.ip, `web: failed login for ${who} from ${c.ip}`);
        guard.failed(c.ip, known ? loginName : undefined);
        loginEvent(c, "fail", known ? loginName : undefined, known ? "wrong password" : "unknown user");
        return failure(401, "invalid username or password");
      }
    } finally {
      release();
    }
    log.info(`web: user ${loginName} logged in from ${c.ip}`);
    loginEvent(c, "ok", loginName);
    return ok(c.started, { accessToken: sessions.issue(loginName, deps.users.stamp(loginName) ?? 0) });
  }

  /** the session behind the Bearer token, or the 401 to send */
  function checkSession(req: Request): { token: string; user: string } | Response {
    const token = bearerToken(req);
    if (!token) return failure(401, "missing session token");
    const session = sessions.check(token);
    // A password change (even by `neo shell user passwd` in another process) or a removed
    // user ends every session at once.
    if (session && deps.users.stamp(session.user) !== session.stamp) sessions.revoke(token);
    else if (session) return { token, user: session.user };
    return failure(401, "invalid or expired session");
  }

  const user = (c: WebContext) => c.session?.user ?? "";
  const consoleApi = deps.console
    ? createConsoleApi({
        source: deps.console,
        revokeKey: async (id, by) => {
          await keys.revoke(performance.now(), id, by);
        },
      })
    : undefined;
  const consoleRoutes: WebRoute[] = consoleApi
    ? [
        {
          method: "GET",
          path: "/web/api/console/overview",
          auth: "session",
          handler: (_, c) => consoleApi.overview(c.started),
        },
        {
          method: "GET",
          path: "/web/api/console/tables",
          auth: "session",
          handler: (_, c) => consoleApi.tables(c.started),
        },
        {
          method: "POST",
          path: "/web/api/console/query",
          auth: "session",
          handler: (req, c) => consoleApi.query(req, c.url),
        },
        {
          method: "GET",
          path: "/web/api/console/connections",
          auth: "session",
          handler: (_, c) => consoleApi.connections(c.started),
        },
        {
          method: "POST",
          path: "/web/api/console/connections/:id/disconnect",
          auth: "session",
          handler: async (req, c) => consoleApi.disconnect(c.started, c.params.id!, await readJson(req), user(c)),
        },
        { method: "GET", path: "/web/api/console/settings", auth: "session", handler: () => consoleApi.settings() },
      ]
    : [];
  const channelsApi = deps.channels ? createChannelsApi(deps.channels) : undefined;
  const channelRoutes: WebRoute[] = channelsApi
    ? [
        { method: "GET", path: "/web/api/channels", auth: "session", handler: (_, c) => channelsApi.list(c.started) },
        {
          method: "POST",
          path: "/web/api/channels",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            return changed(c, "channel.create", String(body.id ?? ""), () => channelsApi.create(c.started, body));
          },
        },
        {
          method: "DELETE",
          path: "/web/api/channels/:id",
          auth: "session",
          handler: (_, c) =>
            changed(c, "channel.delete", c.params.id!, () => channelsApi.remove(c.started, c.params.id!)),
        },
        {
          method: "POST",
          path: "/web/api/channels/:id/connect",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            return changed(c, "channel.connect", c.params.id!, () =>
              channelsApi.connect(c.started, c.params.id!, body),
            );
          },
        },
        {
          method: "POST",
          path: "/web/api/channels/:id/disconnect",
          auth: "session",
          handler: async (req, c) => {
            const body = await readJson(req);
            return changed(c, "channel.disconnect", c.params.id!, () =>
              channelsApi.disconnect(c.started, c.params.id!, body),
            );
          },
        },
      ]
    : [];
  const table = routeTable<WebContext, WebAuth>([
    { method: "POST", path: "/web/api/login", auth: "none", handler: login },
    {
      method: "POST",
      path: "/web/api/logout",
      auth: "session",
      handler: (_, c) => {
        if (c.session) sessions.revoke(c.session.token);
        return ok(c.started);
      },
    },
    { method: "GET", path: "/web/api/check", auth: "session", handler: (_, c) => ok(c.started, { user: user(c) }) },
    { method: "GET", path: "/web/api/audit", auth: "session", handler: readAudit },
    { method: "GET", path: "/audit", auth: "session", handler: readAudit },
    { method: "GET", path: "/web/api/server-cert", auth: "session", handler: () => keys.serverCert() },
    { method: "GET", path: "/web/api/keys", auth: "session", handler: (_, c) => keys.list(c.started) },
    {
      method: "POST",
      path: "/web/api/keys",
      auth: "session",
      handler: async (req, c) => {
        const body = await readJson(req);
        return changed(c, "key.create", String(body.name ?? body.id ?? ""), () =>
          keys.create(c.started, body, user(c)),
        );
      },
    },
    {
      method: "DELETE",
      path: "/web/api/keys/:id",
      auth: "session",
      handler: (_, c) => changed(c, "key.delete", c.params.id!, () => keys.remove(c.started, c.params.id!, user(c))),
    },
    {
      method: "POST",
      path: "/web/api/keys/:id/revoke",
      auth: "session",
      handler: (_, c) => changed(c, "key.revoke", c.params.id!, () => keys.revoke(c.started, c.params.id!, user(c))),
    },
    ...consoleRoutes,
    ...channelRoutes,
  ]);

  async function handle(req: Request, url: URL, ip: string, started: number): Promise<Response | undefined> {
    const found = table.match(req.method, url.pathname);
    if ("response" in found) return found.response;
    const c: WebContext = { url, params: found.params, started, ip };
    if (found.route.auth === "session") {
      const s = checkSession(req);
      if (s instanceof Response) return s;
      c.session = s;
    }
    return found.route.handler(req, c);
  }

  const handler = async (req: Request, url: URL, clientIp?: string) => {
    if (!url.pathname.startsWith(PREFIX) && !OUTSIDE_PREFIX.has(url.pathname))
      return url.pathname === "/web/api" ? failure(404, "not found") : undefined;
    try {
      return await handle(req, url, clientIp ?? "unknown", performance.now());
    } catch (err) {
      return errorResponse(err, log, `${req.method} ${url.pathname}`);
    }
  };
  const sessionUser = (token: string) => {
    const s = sessions.check(token);
    return s && deps.users.stamp(s.user) === s.stamp ? s.user : undefined;
  };
  return Object.assign(handler, { routes: table.routes, sessionUser });
}
