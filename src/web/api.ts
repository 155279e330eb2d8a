// The web UI's JSON API under /web/api/*. Everything except login needs a session
// token (Authorization: Bearer <token>) from POST /web/api/login. Bearer headers, not
// cookies, so there is no CSRF surface: another site cannot make the browser send it.
//
//   POST   /web/api/login            {loginName, password} -> {success, accessToken, reason, elapse}
//   POST   /web/api/logout
//   GET    /web/api/check            -> {success, user}
//   GET    /web/api/keys             -> {success, data: [{idx,id,notBefore,notAfter,status,lastUsed}]}
//   POST   /web/api/keys             {name, notBefore?, notAfter?, type?} -> cert, key, token, zip (once)
//   DELETE /web/api/keys/:id
//   POST   /web/api/keys/:id/revoke
//   GET    /web/api/server-cert      the CA certificate clients use as --cafile
import { badRequest } from "../lib/errors.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import type { Pki } from "../pki/index.ts";
import { createKeysApi } from "./keys-api.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limit.ts";
import { errorResponse, fail, ok } from "./respond.ts";
import { createSessions, type Sessions } from "./sessions.ts";
import type { KeyRegistry } from "./types.ts";
import type { Users } from "./users.ts";

export interface WebApiDeps {
  registry: KeyRegistry;
  pki: Pki;
  users: Users;
  log?: Logger;
  /** default: 60 min sliding sessions */
  sessions?: Sessions;
  /** default: 10 attempts burst, then one every 6 s, per client IP */
  loginLimiter?: RateLimiter;
  now?: () => number;
}

/**
 * Handles /web/api/*; returns undefined for any other path so the HTTP server can fall
 * through. Pass the peer address as `clientIp` (Bun: `server.requestIP(req)?.address`)
 * so login attempts are rate limited per IP; without it all callers share one bucket.
 */
export type WebApiHandler = (req: Request, url: URL, clientIp?: string) => Promise<Response | undefined>;

const PREFIX = "/web/api/";
const MAX_BODY = 64 * 1024;

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const len = Number(req.headers.get("content-length") ?? "0");
  if (len > MAX_BODY) throw badRequest("body_too_large", "request body too large");
  const text = await req.text();
  if (text.length > MAX_BODY) throw badRequest("body_too_large", "request body too large");
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

function bearer(req: Request): string | undefined {
  const h = req.headers.get("authorization");
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

export function createWebApi(deps: WebApiDeps): WebApiHandler {
  const log = deps.log ?? createLogger("web");
  const now = deps.now ?? Date.now;
  const sessions = deps.sessions ?? createSessions();
  const limiter = deps.loginLimiter ?? createRateLimiter();
  const keys = createKeysApi({ registry: deps.registry, pki: deps.pki, log, now });

  async function login(req: Request, started: number, ip: string): Promise<Response> {
    const slot = limiter.take(ip);
    if (!slot.ok) {
      log.warn(`web: login rate limit hit for ${ip}`);
      return fail(429, `too many login attempts, retry in ${slot.retryAfterSec}s`, {
        "retry-after": String(slot.retryAfterSec),
      });
    }
    const body = await readJson(req);
    const { loginName, password } = body;
    if (typeof loginName !== "string" || typeof password !== "string") {
      throw badRequest("invalid_login", "loginName and password are required");
    }
    // Unknown user and wrong password take the same path and the same argon2id cost.
    if (!(await deps.users.verify(loginName, password))) {
      // Never log an unknown name: it may be a password typed into the wrong field.
      const who = deps.users.exists(loginName) ? `user ${loginName}` : "an unknown user";
      log.warn(`web: failed login for ${who} from ${ip}`);
      return fail(401, "invalid username or password");
    }
    log.info(`web: user ${loginName} logged in from ${ip}`);
    return ok(started, { accessToken: sessions.issue(loginName, deps.users.stamp(loginName) ?? 0) });
  }

  async function route(req: Request, path: string, started: number, ip: string): Promise<Response> {
    const method = req.method;
    if (path === "login") {
      return method === "POST" ? login(req, started, ip) : fail(405, "method not allowed", { allow: "POST" });
    }

    const token = bearer(req);
    if (!token) return fail(401, "missing session token");
    const session = sessions.check(token);
    // A password change (even by `neo shell user passwd` in another process) or a removed
    // user ends every session at once.
    if (session && deps.users.stamp(session.user) !== session.stamp) sessions.revoke(token);
    else if (session) return authorized(req, path, started, token, session.user);
    return fail(401, "invalid or expired session");
  }

  async function authorized(
    req: Request,
    path: string,
    started: number,
    token: string,
    user: string,
  ): Promise<Response> {
    const method = req.method;

    const parts = path.split("/");
    const [head, rawId, action] = parts;
    if (parts.length === 1 && head === "logout") {
      if (method !== "POST") return fail(405, "method not allowed", { allow: "POST" });
      sessions.revoke(token);
      return ok(started);
    }
    if (parts.length === 1 && head === "check") return ok(started, { user });
    if (parts.length === 1 && head === "server-cert" && (method === "GET" || method === "HEAD")) {
      return keys.serverCert();
    }
    if (head === "keys") {
      if (parts.length === 1) {
        if (method === "GET") return keys.list(started);
        if (method === "POST") return keys.create(started, await readJson(req), user);
        return fail(405, "method not allowed", { allow: "GET, POST" });
      }
      let id: string;
      try {
        id = decodeURIComponent(rawId ?? "");
      } catch {
        return fail(400, "invalid client id");
      }
      if (parts.length === 2) {
        if (method === "DELETE") return keys.remove(started, id, user);
        return fail(405, "method not allowed", { allow: "DELETE" });
      }
      if (parts.length === 3 && action === "revoke") {
        if (method === "POST") return keys.revoke(started, id, user);
        return fail(405, "method not allowed", { allow: "POST" });
      }
    }
    return fail(404, "not found");
  }

  return async (req, url, clientIp) => {
    if (!url.pathname.startsWith(PREFIX)) return url.pathname === "/web/api" ? fail(404, "not found") : undefined;
    const started = performance.now();
    try {
      return await route(req, url.pathname.slice(PREFIX.length), started, clientIp ?? "unknown");
    } catch (err) {
      return errorResponse(err, log);
    }
  };
}
