// SuperMQ-shaped endpoints for people and their scripts (errors carry neo's "reason" and
// SuperMQ's "message", added by the runner):
//   POST /users/tokens/issue    {"username","password"} -> 201 {"access_token","refresh_token",...}
//   POST /users/tokens/refresh  Bearer <refresh key>     -> 201 a new pair (the old one is used up;
//                                                           presented again, the whole family is revoked)
//   POST|PUT /users/password/reset {"token","password"}  a recovery key from `neo shell user recover`
//   POST /tokens {"email","password"} -> 201 {"token"}   Mainflux's login: the access key its scripts
//                                                           send as `Authorization: <token>`; the user
//                                                           is the email's part before "@" (neo names
//                                                           have no "@"), or the whole value
// Each is a credential check of its own (a password, a refresh key, a recovery key), so
// the routes are public: the password check counts its failures (guard "password"), a
// wrong refresh or recovery key counts like a wrong token (guard "secret"); each reports
// its outcome to the runner (c.checked), which writes the audit row.
import type { People } from "../../auth/index.ts";
import { badRequest } from "../../lib/errors.ts";
import { bearerToken } from "../../lib/http/bearer.ts";
import { failure, jsonResponse, ok } from "../../lib/http/respond.ts";
import type { Logger } from "../../lib/log.ts";
import { readJsonBody } from "../json-body.ts";
import type { PasswordLogin } from "../password-login.ts";
import type { RouteContext, RouteSpec } from "../route.ts";

export interface UsersDeps {
  people: Pick<People, "login" | "refresh" | "resetPassword">;
  login: PasswordLogin;
  log: Logger;
}

export function userRoutes(d: UsersDeps): RouteSpec[] {
  const { people } = d;

  async function issue(req: Request, c: RouteContext): Promise<Response> {
    const body = await readJsonBody(req);
    const name = body.username ?? body.identity ?? body.name;
    const { password } = body;
    if (typeof name !== "string" || typeof password !== "string" || name === "" || password === "")
      throw badRequest("invalid_login", "username and password are required");
    const r = await d.login(name, password, { ip: c.address || "unknown", listener: c.listener });
    if (r.checked) c.checked = r.checked; // the runner audits the login
    if (!r.ok) return r.response;
    return jsonResponse(people.login(r.user), 201);
  }

  /** Mainflux's login: the same password check and keys, its shape */
  async function mainfluxToken(req: Request, c: RouteContext): Promise<Response> {
    const body = await readJsonBody(req);
    const { email, password } = body;
    if (typeof email !== "string" || typeof password !== "string" || email === "" || password === "")
      throw badRequest("invalid_login", "email and password are required");
    const at = email.indexOf("@");
    const r = await d.login(at > 0 ? email.slice(0, at) : email, password, {
      ip: c.address || "unknown",
      listener: c.listener,
    });
    if (r.checked) c.checked = r.checked;
    if (!r.ok) return r.response;
    return jsonResponse({ token: people.login(r.user).access_token }, 201);
  }

  function refresh(req: Request, c: RouteContext): Response {
    const token = bearerToken(req);
    if (!token) return failure(401, "missing refresh key: use Authorization: Bearer <refresh key>");
    const r = people.refresh(token);
    c.checked = {
      kind: "auth",
      action: "refresh",
      method: "refresh_key",
      ...(r.ok ? { user: r.user.name } : { reason: r.reason }),
    };
    if (!r.ok) return failure(401, r.reason, { "www-authenticate": 'Bearer realm="neo", error="invalid_token"' });
    return jsonResponse(r.keys, 201);
  }

  async function reset(req: Request, c: RouteContext): Promise<Response> {
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
    c.checked = {
      kind: "change",
      action: "user.password_reset",
      method: "recovery_key",
      ...(r.ok ? { user: r.user.name, target: r.user.name } : { reason: r.reason }),
    };
    if (!r.ok) return failure(401, r.reason);
    d.log.info(`user ${r.user.name} set a new password with a recovery key from ${c.address}`);
    return ok(c.started);
  }

  return [
    { method: "POST", path: "/users/tokens/issue", who: "public", guard: "password", handler: issue },
    { method: "POST", path: "/tokens", who: "public", guard: "password", handler: mainfluxToken },
    { method: "POST", path: "/users/tokens/refresh", who: "public", guard: "secret", handler: refresh },
    { method: "POST", path: "/users/password/reset", who: "public", guard: "secret", handler: reset },
    { method: "PUT", path: "/users/password/reset", who: "public", guard: "secret", handler: reset },
  ];
}
