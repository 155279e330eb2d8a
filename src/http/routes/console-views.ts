// What the operator console's pages get from /web/api/console/* (the wire contract): the
// server builds them (app/console.ts), the browser code in ui/ imports these types only.
import type { Principal } from "../../auth/index.ts";

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

/** @public the console reads it: ui/pages/overview.ts (through import(), which knip does not follow) */
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
/** @public the console reads it: ui/pages/overview-history.ts (through import(), which knip does not follow) */
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
  query(
    req: Request,
    url: URL,
    principal: Principal,
    decide?: (table: string) => { allow: boolean; reason?: string },
  ): Promise<Response>;
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

/** a key as the Keys page lists it */
export interface KeyView {
  idx: number;
  id: string;
  notBefore: number;
  notAfter: number;
  status: "active" | "revoked" | "expired" | "pending";
  /** active and expiring within 30 days (the Keys page's "expiring" badge and filter) */
  expiring?: boolean;
  lastUsed: number | null;
  scopes: string[];
}

/** a dashboard's time range: the last `15m`, `1h`, `6h`, `24h`, `7d` (any `<n>s|m|h|d`), or absolute (ms since the epoch) */
export type TimeRangeView = { last: string } | { from: number; to: number };

export type ChartKind = "line" | "area" | "bar" | "step" | "points";
export type Aggregate = "none" | "avg" | "min" | "max" | "sum" | "count";

/**
 * What a panel shows: SQL (VALUE over TIME, one series per NAME; or TIME then one series per
 * numeric column; `$from` and `$to` stand for the range in ns), or a table's tags, each a
 * series, aggregated per interval (`auto`: ~300 points over the range).
 */
export type PanelQueryView =
  | { sql: string }
  | { table: string; tags: string[]; aggregate: Aggregate; interval: string };

export interface PanelView {
  title: string;
  chart: ChartKind;
  query: PanelQueryView;
  /** the panel's own range; absent: the dashboard's */
  time_range?: TimeRangeView;
}

export interface DashboardView {
  id: string;
  domain_id: string;
  name: string;
  description: string;
  owner: string;
  panels: PanelView[];
  time_range: TimeRangeView;
  /** "off", "5s", "10s", "30s", "1m", "5m" */
  refresh: string;
  shared: { members: boolean; users: string[] };
  created_by: string;
  created_at: string;
  updated_by?: string;
  updated_at?: string;
  /** what the caller may do with it now (the console hides the others; the API decides anyway);
   * read is false for one only listed (dashboards:list without dashboards:read) */
  can: { read: boolean; update: boolean; delete: boolean; share: boolean };
}

/** @public the console reads it: ui/pages/dashboards.ts */
export interface DashboardListView {
  total: number;
  offset: number;
  limit: number;
  dashboards: DashboardView[];
  /** may the caller create dashboards in this domain? */
  can_create: boolean;
}

/** @public a domain as GET /domains lists it to the caller (ui/pages/domains.ts, ui/pages/domain-entities.ts) */
export interface DomainView {
  id: string;
  name: string;
  route: string;
  tags: string[];
  metadata: Record<string, unknown>;
  status: "enabled" | "disabled" | "frozen";
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at?: string;
  /** the caller's role in the domain (admin | member); absent when it acts there by its own scopes */
  role_id?: string;
  role_name?: string;
  /** what the console may offer there (domains:update|enable|disable|freeze|members, keys:create|delete, channels:create|delete|connect, groups:create|delete) */
  actions: string[];
}

/** @public GET /domains (SuperMQ's page) with `can_create`: may the caller create a domain */
export interface DomainListView {
  total: number;
  offset: number;
  limit: number;
  domains: DomainView[];
  can_create: boolean;
}

/** @public GET /domains/<d>/roles/members: a member with its one role */
export interface MemberView {
  member_id: string;
  member_name: string;
  roles: { role_id: string; role_name: string; actions: string[]; access_type: string }[];
}

/** @public GET /invitations, GET /domains/<d>/invitations */
export interface InvitationView {
  invited_by: string;
  invitee_user_id: string;
  invitee_name: string;
  domain_id: string;
  domain_name: string;
  role_id: string;
  role_name: string;
  created_at?: string;
  expires_at?: string;
  state: "pending" | "accepted" | "rejected" | "expired";
}
