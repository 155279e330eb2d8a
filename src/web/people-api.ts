// SuperMQ-shaped endpoints for people and their scripts, as one route table:
//
//   POST /users/tokens/issue    {"username","password"} -> 201 {"access_token","refresh_token",...}
//   POST /users/tokens/refresh  Bearer <refresh key>     -> 201 a new pair (the old one is used up;
//                                                           presented again, the whole family is revoked)
//   POST|PUT /users/password/reset {"token","password"}  a recovery key from `neo shell user recover`
//   GET  /audit                 admin: the audit trail (client, user, result, kind, since, limit)
//
// Errors carry both neo's {"success":false,"reason"} and SuperMQ's {"message"}.
import { authorize, type People, type UserIdentity } from "../auth/index.ts";
import { badRequest, isNeoError } from "../lib/errors.ts";
import { bearerToken } from "../lib/http/bearer.ts";
import { readBody } from "../lib/http/body.ts";
import { errorResponse, jsonResponse, ok } from "../lib/http/respond.ts";
import { type Params, type Route, routeTable } from "../lib/http/routes.ts";
import type { Logger } from "../lib/log.ts";
import type { AuditLog } from "../registry/index.ts";
import type { PasswordLogin } from "./login.ts";

/** "none"; "user": a login access key or web session (never a PAT); "admin": that, of an admin */
export type PeopleAuth = "none" | "user" | "admin";

export interface PeopleContext {
  url: URL;
  params: Params;
  started: number;
  ip: string;
  listener: string;
  who?: UserIdentity;
}

export type PeopleRoute = Route<PeopleContext, PeopleAuth>;

export interface PeopleApiDeps {
  people: People;
  login: PasswordLogin;
  audit: Pick<AuditLog, "record" | "query">;
  log: Logger;
  now?: () => number;
  /** more routes in this table (PATs) */
  extra?: PeopleRoute[];
}

const MAX_BODY = 64 * 1024;
const PREFIXES = ["/users/", "/pats", "/audit"];

/** SuperMQ scripts read `message`, neo's read `reason`: send both */
export function apiError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse({ success: false, reason: message, message }, status, headers);
}

export async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readBody(req, MAX_BODY));
  let v: unknown;
  try {
    v = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "request body is not valid JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("invalid_json", "request body must be a JSON object");
  return v as Record<string, unknown>;
}

/** The user behind `Authorization: Bearer <access key | session>`, or the 401/403 to send. */
/** the web UI's HttpOnly session cookie (SameSite=Strict, path /web/api) */
export const SESSION_COOKIE = "neo_session";

/** the session cookie's value, if the request carries one */
export function sessionCookie(req: Request): string | undefined {
  const h = req.headers.get("cookie");
  if (!h) return undefined;
  for (const part of h.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The user behind `Authorization: Bearer <access key | session>` (or, with `cookie`, the
 * web UI's session cookie when no header is sent), or the 401/403 to send.
 */
export function bearerUser(req: Request, people: People, admin: boolean, cookie = false): UserIdentity | Response {
  const token =
    bearerToken(req) ?? (cookie && req.headers.get("authorization") === null ? sessionCookie(req) : undefined);
  if (!token) return apiError(401, "missing authorization: use Authorization: Bearer <access key>");
  if (token.startsWith("pat_")) return apiError(403, "a personal access token cannot be used here: log in");
  const who = people.identify(token);
  if (!who.ok) return apiError(401, who.reason);
  if (admin) {
    const d = authorize(who.principal, "audit:read", "*");
    if (!d.allow) return apiError(403, d.reason);
  }
  return who;
}

export type PeopleApiHandler = ((req: Request, url: URL, clientIp?: string) => Promise<Response | undefined>) & {
  readonly routes: readonly PeopleRoute[];
};

export function createPeopleApi(deps: PeopleApiDeps): PeopleApiHandler {
  const { people, audit, log } = deps;
  const _now = deps.now ?? Date.now;

  async function issue(req: Request, c: PeopleContext): Promise<Response> {
    const body = await readJsonBody(req);
    const name = body.username ?? body.identity ?? body.name;
    const { password } = body;
    if (typeof name !== "string" || typeof password !== "string" || name === "" || password === "")
      throw badRequest("invalid_login", "username and password are required");
    const r = await deps.login(name, password, { ip: c.ip, listener: c.listener });
    if (!r.ok) return r.response;
    return jsonResponse(people.login(r.user), 201);
  }

  function refresh(req: Request, c: PeopleContext): Response {
    const token = bearerToken(req);
    if (!token) return apiError(401, "missing refresh key: use Authorization: Bearer <refresh key>");
    const r = people.refresh(token);
    audit.record({
      kind: "auth",
      action: "refresh",
      result: r.ok ? "ok" : "fail",
      method: "refresh_key",
      listener: c.listener,
      address: c.ip,
      ...(r.ok ? { user: r.user.name } : { reason: r.reason }),
    });
    if (!r.ok) return apiError(401, r.reason, { "www-authenticate": 'Bearer realm="neo", error="invalid_token"' });
    return jsonResponse(r.keys, 201);
  }

  async function reset(req: Request, c: PeopleContext): Promise<Response> {
    const body = await readJsonBody(req);
    const token = typeof body.token === "string" ? body.token : bearerToken(req);
    const { password } = body;
    const confirm = body.confirm_password ?? body.confirmPassword;
    if (typeof token !== "string" || token === "")
      throw badRequest("missing_token", "token (the recovery key) is required");
    if (typeof password !== "string") throw badRequest("missing_password", "password is required");
    if (confirm !== undefined && confirm !== password)
      throw badRequest("password_mismatch", "password and confirm_password differ");
    const r = await people.resetPassword(token, password);
    audit.record({
      kind: "change",
      action: "user.password_reset",
      result: r.ok ? "ok" : "fail",
      method: "recovery_key",
      listener: c.listener,
      address: c.ip,
      ...(r.ok ? { user: r.user.name, target: r.user.name } : { reason: r.reason }),
    });
    if (!r.ok) return apiError(401, r.reason);
    log.info(`user ${r.user.name} set a new password with a recovery key from ${c.ip}`);
    return ok(c.started);
  }

  const table = routeTable<PeopleRoute>([
    { method: "POST", path: "/users/tokens/issue", auth: "none", handler: issue },
    { method: "POST", path: "/users/tokens/refresh", auth: "none", handler: refresh },
    { method: "POST", path: "/users/password/reset", auth: "none", handler: reset },
    { method: "PUT", path: "/users/password/reset", auth: "none", handler: reset },
    ...(deps.extra ?? []),
  ]);

  const handler = async (req: Request, url: URL, clientIp?: string) => {
    const path = url.pathname;
    if (!PREFIXES.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`))) return undefined;
    const started = performance.now();
    try {
      const found = table.match(req.method, path);
      if ("response" in found) return found.response;
      const c: PeopleContext = {
        url,
        params: found.params,
        started,
        ip: clientIp ?? "unknown",
        listener: url.protocol === "https:" ? "https" : "http",
      };
      if (found.route.auth !== "none") {
        const who = bearerUser(req, people, found.route.auth === "admin");
        if (who instanceof Response) return who;
        c.who = who;
      }
      return await found.route.handler(req, c);
    } catch (err) {
      // our own refusals in both shapes; anything else the generic way (5xx without detail)
      if (isNeoError(err) && err.status < 500) return apiError(err.status, err.message);
      return errorResponse(err, log, `${req.method} ${path}`);
    }
  };
  return Object.assign(handler, { routes: table.routes });
}
