// Channels (Mainflux/Magistrala): a named message stream `channels/<id>/messages[/...]`
// whose SenML records are stored in one table, kept in <data>/registry.db. A client's
// connection to a channel IS a pair of scopes on its key (`channels:publish:<id>`,
// `channels:subscribe:<id>`): connect and disconnect add and remove them, so live
// sessions see the change like any scope change, and deleting a key ends its connections.
import type { Database } from "bun:sqlite";
import { NeoError, conflict, notFound } from "../lib/errors.ts";
import { createLogger } from "../lib/log.ts";
import { normalizeTableName, senmlTableOf } from "../storage/index.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import {
  localWriteCount,
  noteLocalWrite,
  OTHERS_SEEN_WITHIN_MS,
  openRegistryDb,
  type RegistryOpenOptions,
} from "./db.ts";
import { recentReading } from "../lib/recent-reading.ts";
import { assertClientId } from "./token.ts";
import type { Registry } from "./types.ts";

const log = createLogger("registry");

export interface Channel {
  id: string;
  name: string | null;
  metadata: Record<string, unknown>;
  /** the table its SenML records are stored in (upper case) */
  table: string;
  createdAt: number;
  /** the SuperMQ domain it lives in (the default domain unless made in another) */
  domainId: string;
  tags: string[];
  /** disabled: every publish and subscribe is refused (authorize() asks it) */
  status: "enabled" | "disabled";
  updatedAt: number | null;
}

export interface ChannelConnection {
  channelId: string;
  clientId: string;
  publish: boolean;
  subscribe: boolean;
}

export type ChannelOperation = "publish" | "subscribe";

interface CreateChannelOptions {
  id: string;
  name?: string;
  metadata?: Record<string, unknown>;
  table?: string;
  domainId?: string;
}

export interface Channels {
  create(o: CreateChannelOptions): Channel;
  get(id: string): Channel | null;
  list(): Channel[];
  /** delete the channel and every connection to it (its stored rows stay in its table) */
  delete(id: string): void;
  /** SuperMQ's update: name, metadata, tags */
  update(id: string, p: { name?: string; metadata?: Record<string, unknown>; tags?: string[] }): Channel;
  setStatus(id: string, status: Channel["status"]): Channel;
  /** add the channel scopes to the client's key (both when neither is asked for); rights already held stay */
  connect(channelId: string, clientId: string, ops?: { publish?: boolean; subscribe?: boolean }): ChannelConnection;
  /** remove the client's channel scopes; false when it had none */
  disconnect(channelId: string, clientId: string): boolean;
  /** clients whose keys name the channel (or `*`) in a channel scope */
  connections(channelId?: string): ChannelConnection[];
  /** changes whenever any connection (this process or another) committed a change */
  dataVersion(): number;
  close(): void;
}

const MAX_NAME = 256;

/** the scope that lets a client do `op` on a channel */
const channelScope = (channelId: string, op: ChannelOperation) => `channels:${op}:${channelId}`;
const CHANNEL_SCOPE = /^channels:(publish|subscribe):(.+)$/;
const MAX_METADATA = 16 * 1024;

/** The default table of a channel: its id upper-cased, `-`, `.` and `@` as `_`; `CH_` first when it starts with a digit. */
export function defaultChannelTable(id: string): string {
  const t = id.toUpperCase().replace(/[-.@]/g, "_");
  return /^[A-Z]/.test(t) ? t : `CH_${t}`;
}

export function assertChannelId(id: string): void {
  try {
    assertClientId(id);
  } catch {
    throw new NeoError(
      "invalid_channel_id",
      `invalid channel id ${JSON.stringify(id)}: use 1-64 of a-z 0-9 _ . @ -, starting with a letter or digit`,
      400,
    );
  }
}

type Int = number | bigint;
interface ChannelRow {
  id: string;
  name: string | null;
  metadata: string | null;
  table_name: string;
  created_at: Int;
  domain_id: string;
  tags: string;
  status: string;
  updated_at: Int | null;
}

function toChannel(r: ChannelRow): Channel {
  let metadata: Record<string, unknown> = {};
  try {
    metadata = r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : {};
  } catch {
    metadata = {};
  }
  return {
    id: r.id,
    name: r.name,
    metadata,
    table: r.table_name,
    createdAt: Number(r.created_at),
    domainId: r.domain_id,
    tags: JSON.parse(r.tags) as string[],
    status: r.status === "disabled" ? "disabled" : "enabled",
    updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}

function checkMetadata(m: unknown): string {
  if (typeof m !== "object" || m === null || Array.isArray(m))
    throw new NeoError("invalid_metadata", "channel metadata must be a JSON object", 400);
  const text = JSON.stringify(m);
  if (text.length > MAX_METADATA)
    throw new NeoError("invalid_metadata", `channel metadata is larger than ${MAX_METADATA} bytes`, 400);
  return text;
}

/** The channels in `dataDir`; their connections are scopes on the keys of `registry` (same data dir). */
export function openChannels(dataDir: string, registry: Registry, opts: RegistryOpenOptions = {}): Channels {
  const db: Database = openRegistryDb(dataDir, opts);
  const q = {
    get: db.prepare<ChannelRow, [string]>("SELECT * FROM channels WHERE id = ?"),
    list: db.prepare<ChannelRow, []>("SELECT * FROM channels ORDER BY created_at, rowid"),
    insert: db.prepare(
      "INSERT INTO channels (id, name, metadata, table_name, created_at, domain_id) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    del: db.prepare("DELETE FROM channels WHERE id = ?"),
    ungroup: db.prepare("DELETE FROM group_members WHERE kind = 'channel' AND entity_id = ?"),
    update: db.prepare("UPDATE channels SET name = ?, metadata = ?, tags = ?, updated_at = ? WHERE id = ?"),
    status: db.prepare("UPDATE channels SET status = ?, updated_at = ? WHERE id = ?"),
    dataVersion: db.prepare<{ data_version: Int }, []>("PRAGMA data_version"),
  };
  /** commits by other connections, other processes included: one SQLite read per millisecond at most */
  const otherCommits = recentReading(() => Number(q.dataVersion.get()?.data_version ?? 0), OTHERS_SEEN_WITHIN_MS);

  const get = (id: string): Channel | null => {
    const r = q.get.get(id);
    return r ? toChannel(r) : null;
  };
  const mustGet = (id: string): Channel => {
    const c = get(id);
    if (!c) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
    return c;
  };
  const mustGetClient = (id: string) => {
    const c = registry.get(id);
    if (!c) throw notFound("client_not_found", `client ${JSON.stringify(id)} not found`);
    return c;
  };
  const both = (channelId: string) => [channelScope(channelId, "publish"), channelScope(channelId, "subscribe")];

  return {
    create(o) {
      assertChannelId(o.id);
      if (o.name !== undefined && (typeof o.name !== "string" || o.name.length > MAX_NAME))
        throw new NeoError("invalid_name", `channel name must be text of at most ${MAX_NAME} characters`, 400);
      const metadata = checkMetadata(o.metadata ?? {});
      const wanted = o.table ?? defaultChannelTable(o.id);
      let table: string;
      try {
        table = normalizeTableName(wanted);
        normalizeTableName(senmlTableOf(table)); // its side table's name must be valid too
      } catch (e) {
        if (o.table !== undefined) throw e;
        throw new NeoError(
          "invalid_table",
          `channel id ${JSON.stringify(o.id)} gives no valid table name (${wanted}): choose one with --table`,
          400,
        );
      }
      if (get(o.id)) throw conflict("channel_exists", `channel ${JSON.stringify(o.id)} already exists`);
      try {
        q.insert.run(o.id, o.name ?? null, metadata, table, Date.now(), o.domainId ?? DEFAULT_DOMAIN_ID);
      } catch (e) {
        if (e instanceof Error && /UNIQUE constraint failed/i.test(e.message))
          throw conflict("channel_exists", `channel ${JSON.stringify(o.id)} already exists`);
        throw e;
      }
      noteLocalWrite();
      log.info(`created channel ${o.id} (table ${table})`);
      return mustGet(o.id);
    },
    get,
    list: () => q.list.all().map(toChannel),
    delete(id) {
      mustGet(id);
      // everyone is disconnected first: a channel made again later starts with no one
      const mine = both(id);
      for (const c of registry.list())
        if (c.scopes.some((x) => mine.includes(x)))
          registry.updateScopes(c.id, (cur) => cur.filter((x) => !mine.includes(x)));
      q.del.run(id);
      q.ungroup.run(id); // a channel made again later with this id joins no group
      noteLocalWrite();
      log.info(`deleted channel ${id}`);
    },
    update(id, p) {
      const cur = mustGet(id);
      if (p.name !== undefined && (typeof p.name !== "string" || p.name.length > MAX_NAME))
        throw new NeoError("invalid_name", `channel name must be text of at most ${MAX_NAME} characters`, 400);
      if (p.tags !== undefined && (!Array.isArray(p.tags) || p.tags.some((t) => typeof t !== "string")))
        throw new NeoError("invalid_tags", "tags must be an array of strings", 400);
      const metadata = checkMetadata(p.metadata ?? cur.metadata);
      q.update.run(p.name ?? cur.name, metadata, JSON.stringify(p.tags ?? cur.tags), Date.now(), id);
      noteLocalWrite();
      return mustGet(id);
    },
    setStatus(id, status) {
      mustGet(id);
      q.status.run(status, Date.now(), id);
      noteLocalWrite();
      log.info(`${status === "disabled" ? "disabled" : "enabled"} channel ${id}`);
      return mustGet(id);
    },
    connect(channelId, clientId, ops = {}) {
      mustGet(channelId);
      mustGetClient(clientId);
      const all = !ops.publish && !ops.subscribe;
      const add: string[] = [];
      if (all || ops.publish) add.push(channelScope(channelId, "publish"));
      if (all || ops.subscribe) add.push(channelScope(channelId, "subscribe"));
      const now = registry.updateScopes(clientId, (cur) => [...cur, ...add.filter((x) => !cur.includes(x))]);
      log.info(`connected client ${clientId} to channel ${channelId}`);
      return {
        channelId,
        clientId,
        publish: now.includes(channelScope(channelId, "publish")),
        subscribe: now.includes(channelScope(channelId, "subscribe")),
      };
    },
    disconnect(channelId, clientId) {
      mustGet(channelId);
      const mine = both(channelId);
      if (!mustGetClient(clientId).scopes.some((x) => mine.includes(x))) return false;
      registry.updateScopes(clientId, (cur) => cur.filter((x) => !mine.includes(x)));
      log.info(`disconnected client ${clientId} from channel ${channelId}`);
      return true;
    },
    connections(channelId) {
      const ids = channelId === undefined ? q.list.all().map((r) => r.id) : [channelId];
      const clients = registry.list();
      const out: ChannelConnection[] = [];
      for (const ch of ids) {
        for (const c of clients) {
          let publish = false;
          let subscribe = false;
          for (const x of c.scopes) {
            const m = CHANNEL_SCOPE.exec(x);
            if (!m || (m[2] !== ch && m[2] !== "*")) continue;
            if (m[1] === "publish") publish = true;
            else subscribe = true;
          }
          if (publish || subscribe) out.push({ channelId: ch, clientId: c.id, publish, subscribe });
        }
      }
      return out;
    },
    dataVersion() {
      return otherCommits() + localWriteCount();
    },
    close() {
      db.close();
    },
  };
}

/** Channels with their connections, as the CLI's `--format json` and the web API show them. */
export function channelsJson(channels: readonly Channel[], connections: readonly ChannelConnection[]) {
  return channels.map((c) => ({
    id: c.id,
    name: c.name,
    table: c.table,
    metadata: c.metadata,
    tags: c.tags,
    status: c.status,
    createdAt: new Date(c.createdAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
    connections: connections
      .filter((x) => x.channelId === c.id)
      .map((x) => ({ clientId: x.clientId, publish: x.publish, subscribe: x.subscribe })),
  }));
}
