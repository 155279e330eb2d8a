// Types shared by the HTTP server, its handler and its route table.
import type { Server } from "bun";
import type { Params, Route } from "../lib/http/routes.ts";
import type { Identified } from "../auth/index.ts";
import type { QueryService } from "../query/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import type { FrontPeer } from "./tls-front.ts";

/**
 * What a route asks of the caller before its handler runs (checked in handler.ts):
 *   "none"   anyone (probes, the web UI's own session check, WebSocket upgrades that
 *            authenticate in the protocol);
 *   "client" a registered client: its token (Bearer, when Http.EnableTokenAuth is on)
 *            and/or its client certificate (behind the HTTPS front).
 *   "metrics" GET /metrics: open with Http.MetricsPublic; else like "client", and a
 *            client that was identified needs the scope `metrics:read:*`.
 * New requirements (scopes, users, PATs) are added here and in handler.ts's `authenticate`.
 */
export type HttpAuth = "none" | "client" | "metrics";

/** How the request reached us; all optional, so a test can call fetch(req) alone. */
export interface Connection {
  /** behind the HTTPS client-certificate front: real remote address and verified certificate */
  peer?: FrontPeer;
  /** the real peer address */
  clientIp?: string;
  /** the Bun server, for WebSocket upgrades */
  server?: Server<unknown>;
}

/** What a handler gets besides the request. */
export interface HttpContext extends Connection {
  url: URL;
  /** `:name` path segments, percent-decoded */
  params: Params;
  /** the client the "client" requirement identified (undefined if anonymous) */
  clientId?: string;
  /** who is asking (a key, or anonymous with Auth.AnonymousScopes); set by the "client" requirement */
  principal?: Identified;
}

export type HttpRoute = Route<HttpContext, HttpAuth>;

export interface RouteDeps {
  store: SeriesStore;
  /** where /db/query runs (query processes, src/query) */
  queries: QueryService;
  /** may this principal read every table the statement reads? (undefined = yes) */
  readCheck?: (principal: Identified, sql: string) => { status: number; reason: string } | undefined;
  /** largest request body accepted */
  limit: number;
  startedAt: number;
  /** routes app adds (same table: 404/405/auth from it) */
  extra?: HttpRoute[];
  /** the Prometheus text for GET /metrics (404 without it) */
  metrics?: () => string;
}
