// The operator console's read-mostly API under /web/api/console/*: overview figures,
// tables, queries (the same query path as /db/query), connected clients (with
// disconnect and "disconnect and revoke") and the resolved config. What it shows comes
// from a ConsoleSource that app builds from the broker handle, the store and the
// config: web never sees the broker itself.
import type { Principal } from "../auth/index.ts";
import { badRequest, notFound } from "../lib/errors.ts";
import { jsonResponse, ok } from "../lib/http/respond.ts";

export interface ListenerView {
  /** "MQTT", "MQTT over WebSocket", "HTTP" */
  name: string;
  address: string;
  tls: boolean;
  /** how clients authenticate there, in words */
  auth: string;
}

/** one Export block's state (replication to PostgreSQL) */
export interface ExportView {
  name: string;
  /** the database URL without its password */
  database: string;
  tables: string[];
  connected: boolean;
  lastError: string;
  queuedEntries: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  sentRows: number;
  sentPerSecond: number;
}

export interface OverviewView {
  /** the Export blocks; none without exports */
  exports: ExportView[];
  version: string;
  commit: string;
  startedAt: number;
  dataDir: string;
  dataDirBytes: number;
  listeners: ListenerView[];
  /** running totals; the page makes rates from two readings */
  metrics: {
    at: number;
    connections: number;
    connectionsByListener: Record<string, number>;
    messagesReceived: number;
    messagesSent: number;
    rowsWritten: number;
    authFailures: number;
    subscriptions: number;
    retained: number;
    /** CoAP requests handled and observations now; absent while CoAP is off */
    coap?: { requests: number; observers: number };
    residentMemoryBytes: number;
  };
}

export interface TableView {
  name: string;
  rows: number;
  /** bytes on disk */
  bytes: number;
  /** ms since epoch; null for an empty table */
  from: number | null;
  to: number | null;
}

export interface ConnectionView {
  clientId: string;
  /** the key it authenticated with; null when anonymous */
  key: string | null;
  listener: "tcp" | "tls" | "ws" | "wss";
  /** by its credential kind: "token", "client certificate", "personal access token (bob)", "access key (bob)", "console session (bob)", "anonymous" */
  authMethod: string;
  /** the web user it acts for (a PAT, access key or console session) */
  user?: string;
  remoteAddress: string;
  since: number;
  messagesIn: number;
  messagesOut: number;
  subscriptions: number;
}

export interface BanView {
  address: string;
  /** ms since epoch */
  since: number;
  until: number;
  failures: number;
  /** 0 the first time; the back-off doubles with each level */
  level: number;
}

/** the Overview's charts: x in seconds since the epoch, each figure aligned on x */
export interface HistoryView {
  range: "1h" | "24h";
  x: number[];
  series: Record<string, (number | null)[]>;
}

export interface ConsoleSource {
  overview(): OverviewView;
  /** what the gateway recorded of itself: the last hour (10 s readings) or day (1 min) */
  history(range: "1h" | "24h"): HistoryView;
  tables(): Promise<TableView[]>;
  /** run a read-only query exactly as POST /db/query would (same workers, limits, JSON) */
  query(req: Request, url: URL, principal: Principal): Promise<Response>;
  connections(): ConnectionView[];
  /** false when no such client is connected */
  disconnect(clientId: string): boolean;
  /** the resolved config as text, secrets replaced */
  settings(): string;
  /** bans in force now (the brute-force guard) */
  bans(): BanView[];
  /** lift one address's ban, or all; how many were lifted */
  clearBans(address?: string): number;
}

export interface ConsoleRoutesDeps {
  source: ConsoleSource;
  /** revoke a key (the same path as the keys page) */
  revokeKey(id: string, user: string): Promise<void>;
}

export function createConsoleApi(d: ConsoleRoutesDeps) {
  const { source } = d;
  return {
    overview: (started: number) => ok(started, { data: source.overview() }),
    history(started: number, range: string | null) {
      if (range !== "1h" && range !== "24h") throw badRequest("bad_request", "range must be 1h or 24h");
      return ok(started, { data: source.history(range) });
    },
    /** only the tables this user may read */
    async tables(started: number, readable: (table: string) => boolean) {
      return ok(started, { data: (await source.tables()).filter((t) => readable(t.name)) });
    },
    query: (req: Request, url: URL, principal: Principal) => source.query(req, url, principal),
    /** the key a connected client authenticated with, if any */
    keyOf: (clientId: string) => source.connections().find((c) => c.clientId === clientId)?.key ?? undefined,
    connections: (started: number) => ok(started, { data: source.connections() }),
    async disconnect(started: number, clientId: string, body: Record<string, unknown>, user: string) {
      const revoke = body.revoke ?? false;
      if (typeof revoke !== "boolean") throw badRequest("bad_request", '"revoke" must be true or false');
      const conn = source.connections().find((c) => c.clientId === clientId);
      if (!conn) throw notFound("not_connected", `client ${clientId} is not connected`);
      if (revoke) {
        if (!conn.key) throw badRequest("no_key", `client ${clientId} connected without a key: nothing to revoke`);
        await d.revokeKey(conn.key, user);
      }
      source.disconnect(clientId);
      return ok(started, { revoked: revoke ? conn.key : null });
    },
    bans: (started: number) => ok(started, { data: source.bans() }),
    clearBans(started: number, body: Record<string, unknown>) {
      const address = body.address;
      if (address !== undefined && (typeof address !== "string" || address === "" || address.length > 64))
        throw badRequest("bad_request", '"address" must be an address, or left out to lift every ban');
      return ok(started, { lifted: source.clearBans(address) });
    },
    settings: () =>
      jsonResponse({ success: true, reason: "success", data: { config: source.settings() } }, 200, {
        "cache-control": "no-store",
      }),
  };
}
