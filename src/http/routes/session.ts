// The console's session: POST /web/api/login {loginName, password} (the password check
// behind the brute-force guard) -> {accessToken} and the same session as an HttpOnly,
// SameSite=Strict cookie; POST /web/api/logout ends it; GET /web/api/check says whose it
// is. Bearer or cookie: another site cannot send either (site guard, SameSite).
import { type People, principalName, SESSION_TTL_MS } from "../../auth/index.ts";
import { badRequest } from "../../lib/errors.ts";
import { ok } from "../../lib/http/respond.ts";
import { SESSION_COOKIE } from "../caller.ts";
import { readJsonBody } from "../json-body.ts";
import type { PasswordLogin } from "../password-login.ts";
import { CONSOLE, type RouteSpec } from "../route.ts";

export interface SessionDeps {
  people: Pick<People, "startSession" | "identify" | "endSession">;
  login: PasswordLogin;
}

export function sessionRoutes(d: SessionDeps): RouteSpec[] {
  return [
    {
      method: "POST",
      path: "/web/api/login",
      who: "public",
      guard: "password",
      handler: async (req, c) => {
        const { loginName, password } = await readJsonBody(req);
        if (typeof loginName !== "string" || typeof password !== "string")
          throw badRequest("invalid_login", "loginName and password are required");
        const r = await d.login(loginName, password, { ip: c.address || "unknown", listener: c.listener });
        if (r.checked) c.checked = r.checked; // the runner audits the login
        if (!r.ok) return r.response;
        const token = d.people.startSession(r.user);
        const res = ok(c.started, { accessToken: token });
        // the same session as an HttpOnly cookie: script on the page cannot read it, and
        // SameSite=Strict keeps other sites from sending it (the cross-site check is there too)
        const secure = c.tls ? "; Secure" : "";
        res.headers.set(
          "set-cookie",
          `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/web/api; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
        );
        return res;
      },
    },
    {
      method: "POST",
      path: "/web/api/logout",
      who: CONSOLE,
      handler: (_, c) => {
        const token = c.credential?.secret;
        const who = token ? d.people.identify(token) : undefined;
        if (who?.ok && who.key.kind === "session") d.people.endSession(who.key);
        const res = ok(c.started);
        res.headers.set("set-cookie", `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/web/api; Max-Age=0`);
        return res;
      },
    },
    {
      method: "GET",
      path: "/web/api/check",
      who: CONSOLE,
      handler: (_, c) => ok(c.started, { user: c.principal ? principalName(c.principal) : "" }),
    },
  ];
}
