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
import {
  assertChannelId,
  type Channel,
  type ChannelConnection,
  type ChannelRow,
  checkMetadata,
  defaultChannelTable,
  type Int,
  toChannel,
} from "./channel-rows.ts";
import type { Registry } from "./types.ts";

const log = createLogger("registry");

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
  const otherCommits = recentReading(() => Number(q.dataVersion.values()[0]?.[0] ?? 0), OTHERS_SEEN_WITHIN_MS);

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
        const domain = o.domainId ?? DEFAULT_DOMAIN_ID;
        db.transaction(() => {
          q.insert.run(o.id, o.name ?? null, metadata, table, Date.now(), domain);
          // the table is this domain's for good (its rows outlive the channel): registry/db.ts
          if (domain !== DEFAULT_DOMAIN_ID)
            db.prepare("INSERT OR IGNORE INTO domain_tables (table_name, domain_id) VALUES (?, ?)").run(table, domain);
        })();
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
      const ch = mustGet(channelId);
      // a channel connects clients of its own domain only (another domain's is not found here)
      if ((mustGetClient(clientId).domainId ?? DEFAULT_DOMAIN_ID) !== ch.domainId)
        throw notFound("client_not_found", `client ${JSON.stringify(clientId)} not found`);
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
