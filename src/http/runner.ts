// The ONE runner of every HTTP route, as a pure fetch(req) (server.ts puts it behind
// Bun.serve; tests call it directly):
//
//   site guard -> route -> brute-force guard -> identify -> authorize -> handler -> audit
//
// Nothing else identifies, authorizes or audits a request: a route only declares what it
// needs (route.ts). Every failure becomes {"success":false,"reason"} (the SuperMQ-shaped
// routes add "message"); a 5xx gets a generic reason and the detail goes to the log.
import { authorize, type Identified, type Operation } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { forbidden, isNeoError } from "../lib/errors.ts";
import { errorResponse, failure, jsonResponse } from "../lib/http/respond.ts";
import { routeTable } from "../lib/http/routes.ts";
import { createLogAggregator } from "../lib/log-aggregate.ts";
import type { Logger } from "../lib/log.ts";
import { type Caller, type HttpIdentify, identifyCaller, type Presented, presented } from "./caller.ts";
import type { Checked, Connection, RouteContext, RouteSpec, Who } from "./route.ts";
import { checkSite } from "./site-guard.ts";
import { acceptedRows, authRow, changeRow, denyRow, type HttpAudit, secretRow } from "./audit-events.ts";

export interface RunnerDeps {
  config: NeoConfig;
  auth: HttpIdentify;
  log: Logger;
  /** the brute-force guard: a banned address gets 429 before any credential work */
  guard?: {
    check(address: string): { ok: true } | { ok: false; retryAfterSec: number };
    failed(address: string): void;
  };
  /** the audit trail: authentication outcomes and changes */
  audit?: HttpAudit;
}

export interface HttpHandler {
  /** undefined: the connection was upgraded to a WebSocket */
  fetch(req: Request, conn?: Connection): Promise<Response | undefined>;
  readonly routes: readonly RouteSpec[];
}

/** a credential in the request: an Authorization header, or `?authorization=` (WebSocket upgrades) */
const carriesCredential = (req: Request, url: URL) =>
  req.headers.get("authorization") !== null || url.searchParams.has("authorization");

/** refusals that name the scope to ask for (as /keys and /channels always did) */
const NAMES_SCOPE = /^(keys|channels|metrics|domains):/;

/** the SuperMQ-shaped routes answer errors with `message` beside `reason` */
const supermq = (path: string) =>
  path === "/audit" ||
  path.startsWith("/users/") ||
  path.startsWith("/pats") ||
  path.startsWith("/domains") ||
  /^\/[^/]+\/clients(\/|$)/.test(path);

function withMessage(res: Response, path: string): Response | Promise<Response> {
  if (res.status < 400 || !supermq(path) || !res.headers.get("content-type")?.startsWith("application/json"))
    return res;
  return res.json().then((v) => {
    const b = v as { reason?: string };
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return jsonResponse({ ...b, message: b.reason }, res.status, headers);
  });
}

export function createRunner(routes: RouteSpec[], deps: RunnerDeps): HttpHandler {
  const { log } = deps;
  const table = routeTable(routes);
  // refused tokens and certificates: a few per address in full, then a count per minute
  const refusedLog = createLogAggregator(log, "refused HTTP authentications");
  const accepted = acceptedRows();

  function decide(p: Identified, op: Operation, target: string, domain?: string): Checked {
    const d = authorize(p, op, target, domain);
    if (d.allow) return { allow: true, reason: "" };
    return { allow: false, reason: d.reason, ...(d.absent ? { absent: d.absent } : {}) };
  }

  function identify(req: Request, url: URL, who: Who, c: RouteContext): Caller {
    // a named listener's own rules: whose AnonymousScopes, which credential forms it takes
    const own = deps.config.http.listeners?.find((l) => l.name === c.listener);
    const r = identifyCaller(req, url, who, {
      auth: deps.auth,
      tokenAuth: deps.config.http.enableTokenAuth === true,
      ...(c.peer ? { peer: c.peer } : {}),
      ...(own ? { listener: own.name, ...(own.credentials ? { accept: own.credentials } : {}) } : {}),
    });
    const sent: Presented | undefined = r.presented;
    const target = `${req.method} ${url.pathname}`;
    if (!r.ok) {
      if (sent) deps.audit?.record(authRow(c, r, target));
      if (r.guess) {
        deps.guard?.failed(c.address);
        // the token is a secret: log only the client it claims, and only when it has a client token's shape
        const claimed = r.claimed;
        const why = r.detail ?? r.reason;
        const line = claimed
          ? `refused token for "${claimed}": ${why}`
          : sent?.token !== undefined && (sent.form === "token" || sent.form === "mainflux")
            ? `refused a bearer value that is not a client token: ${why}`
            : `refused ${sent?.form ?? "credential"} on ${target}: ${why}`;
        refusedLog.warn(c.address || "an unknown address", line);
      }
      return r;
    }
    // console pages poll: a web session's requests are not one row each
    if (sent && sent.form !== "session" && sent.form !== "cookie")
      deps.audit?.record(accepted(c, r.principal, sent, target));
    return r;
  }

  async function run(req: Request, url: URL, conn: Connection, started: number): Promise<Response | undefined> {
    const found = table.match(req.method, url.pathname);
    const tls = conn.tls ?? conn.peer !== undefined;
    const listener = conn.listener ?? (tls ? "https" : "http");
    // the client (behind a trusted proxy: the forwarded address), else the TLS front's peer
    const address = conn.clientIp ?? conn.peer?.remoteAddress ?? "";
    if ("response" in found) return found.response;
    const route = found.route;
    if (route.tlsOnly && !tls) return failure(403, `${url.pathname} is served on https:// listeners only`);
    const c: RouteContext = {
      ...conn,
      url,
      params: found.params,
      started,
      listener,
      tls,
      address,
      check(op, target, domain) {
        const p = c.principal;
        if (!p) return { allow: true, reason: "" };
        const d = decide(p, op, target, domain);
        if (!d.allow) deps.audit?.record(denyRow(c, p, op, target, d.reason));
        return d;
      },
      need(op, target, domain, absent) {
        const d = c.check(op, target, domain);
        if (d.allow) return;
        if (d.absent && absent) throw absent(target); // as a missing one: nothing of another domain
        throw forbidden("forbidden", NAMES_SCOPE.test(op) ? `${d.reason} (needs the scope ${op}:${target})` : d.reason);
      },
      may: (op, target, domain) => !c.principal || decide(c.principal, op, target, domain).allow,
    };

    // the brute-force guard: /health and the MQTT WebSocket (the broker answers 0x9F) pass
    const realUpgrade =
      route.upgrade !== undefined && req.method === "GET" && req.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (route.path !== "/health" && !realUpgrade && deps.guard) {
      const g = deps.guard.check(address);
      if (!g.ok) {
        const password = route.guard === "password";
        if (deps.audit && (carriesCredential(req, url) || password))
          deps.audit.record({
            kind: "auth",
            action: password ? "login" : "request",
            result: "fail",
            method: password ? "password" : "token",
            listener,
            address,
            target: `${req.method} ${url.pathname}`,
            reason: `address banned for ${g.retryAfterSec}s more`,
          });
        return failure(429, `too many failed authentications from this address, retry in ${g.retryAfterSec}s`, {
          "retry-after": String(g.retryAfterSec),
        });
      }
    }

    // a password login hands out a web session (console) or an access key: not on a listener
    // whose Credentials take neither (a certificate-only LAN listener stays certificate-only)
    const own = deps.config.http.listeners?.find((l) => l.name === listener);
    if (route.guard === "password" && own?.credentials) {
      const gives = url.pathname.startsWith("/web/") ? "session" : "access_key";
      if (!own.credentials.includes(gives)) {
        const reason = `a password login cannot be used here (listener "${listener}" takes ${own.credentials.join(", ")})`;
        deps.audit?.record({
          kind: "auth",
          action: "login",
          result: "fail",
          method: "password",
          listener,
          address,
          target: `${req.method} ${url.pathname}`,
          reason,
        });
        return failure(403, reason);
      }
    }

    const open =
      route.who === "public" ||
      route.openWhen?.(deps.config) === true ||
      (route.who.optional === true && presented(req, url, route.who) === undefined);
    if (!open && route.who !== "public") {
      const r = identify(req, url, route.who, c);
      if (!r.ok) return r.response;
      c.principal = r.principal;
      if (r.presented)
        c.credential = { form: r.presented.form, ...(r.presented.token ? { secret: r.presented.token } : {}) };
      if (r.principal.kind === "client") {
        c.clientId = r.principal.id;
        deps.auth.markUsed?.(r.principal.id);
      }
      const s = route.scope;
      if (s && !(s.anonymousPasses && r.principal.kind === "anonymous")) {
        const target = s.target.startsWith(":") ? (found.params[s.target.slice(1)] ?? "") : s.target;
        c.need(s.op, target, undefined, s.absent);
      }
    }

    const res = await route.handler(req, c);
    // a public route's own secret check (refresh key, recovery key): its outcome, audited here
    if (c.checked) deps.audit?.record(secretRow(c, c.checked));
    // a 401 from the handler (its own bearer check, a channel adapter's credential, a
    // WebSocket upgrade's ?authorization=) counts when a credential was sent
    if (res && res.status === 401 && (route.guard === "secret" || carriesCredential(req, url)))
      deps.guard?.failed(address);
    if (res && route.change && res.status < 300 && c.principal)
      deps.audit?.record(
        changeRow(c, c.principal, c.changed?.action ?? route.change, c.changed ?? { target: found.params.id ?? "" }),
      );
    return res;
  }

  return {
    routes: table.routes,
    async fetch(req, conn = {}) {
      const started = performance.now();
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return failure(400, "invalid request URL");
      }
      const refused = checkSite(req, {
        listenHost: deps.config.http.listen.host,
        allowedHosts: deps.config.http.allowedHosts,
      });
      if (refused) return refused;
      try {
        const res = await run(req, url, conn, started);
        return res ? withMessage(res, url.pathname) : res;
      } catch (err) {
        const res =
          isNeoError(err) && err.status < 500
            ? failure(err.status, err.message)
            : errorResponse(err, log, `${req.method} ${url.pathname}`);
        return withMessage(res, url.pathname);
      }
    },
  };
}
