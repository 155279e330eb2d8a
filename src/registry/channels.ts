// Channels (Mainflux/Magistrala): a named message stream `channels/<id>/messages[/...]`
// whose SenML records are stored in one table. Which clients may publish to or
// subscribe on a channel are its connections. Kept in <data>/registry.db beside the
// clients, so deleting a client removes its connections in the same transaction.
import type { Database } from "bun:sqlite";
import { NeoError, conflict, notFound } from "../lib/errors.ts";
import { createLogger } from "../lib/log.ts";
import { normalizeTableName, senmlTableOf } from "../storage/index.ts";
import { openRegistryDb } from "./db.ts";
import { assertClientId } from "./token.ts";

const log = createLogger("registry");

export interface Channel {
  id: string;
  name: string | null;
  metadata: Record<string, unknown>;
  /** the table its SenML records are stored in (upper case) */
  table: string;
  createdAt: number;
}

export interface ChannelConnection {
  channelId: string;
  clientId: string;
  publish: boolean;
  subscribe: boolean;
}

export type ChannelOperation = "publish" | "subscribe";

export interface CreateChannelOptions {
  id: string;
  name?: string;
  metadata?: Record<string, unknown>;
  table?: string;
}

export interface Channels {
  create(o: CreateChannelOptions): Channel;
  get(id: string): Channel | null;
  list(): Channel[];
  /** delete the channel and every connection to it (its stored rows stay in its table) */
  delete(id: string): void;
  /** add rights (both when neither is asked for); rights already held stay */
  connect(channelId: string, clientId: string, ops?: { publish?: boolean; subscribe?: boolean }): ChannelConnection;
  /** remove the client's rights on the channel; false when it had none */
  disconnect(channelId: string, clientId: string): boolean;
  connections(channelId?: string): ChannelConnection[];
  /** may this client do `op` on this channel? (unknown channel: no) */
  allowed(clientId: string, channelId: string, op: ChannelOperation): boolean;
  /** changes whenever any connection (this process or another) committed a change */
  dataVersion(): number;
  close(): void;
}

const MAX_NAME = 256;
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
}
interface ConnectionRow {
  channel_id: string;
  client_id: string;
  publish: Int;
  subscribe: Int;
}

function toChannel(r: ChannelRow): Channel {
  let metadata: Record<string, unknown> = {};
  try {
    metadata = r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : {};
  } catch {
    metadata = {};
  }
  return { id: r.id, name: r.name, metadata, table: r.table_name, createdAt: Number(r.created_at) };
}

const toConnection = (r: ConnectionRow): ChannelConnection => ({
  channelId: r.channel_id,
  clientId: r.client_id,
  publish: Number(r.publish) === 1,
  subscribe: Number(r.subscribe) === 1,
});

function checkMetadata(m: unknown): string {
  if (typeof m !== "object" || m === null || Array.isArray(m))
    throw new NeoError("invalid_metadata", "channel metadata must be a JSON object", 400);
  const text = JSON.stringify(m);
  if (text.length > MAX_METADATA)
    throw new NeoError("invalid_metadata", `channel metadata is larger than ${MAX_METADATA} bytes`, 400);
  return text;
}

export function openChannels(dataDir: string): Channels {
  const db: Database = openRegistryDb(dataDir);
  const q = {
    get: db.prepare<ChannelRow, [string]>("SELECT * FROM channels WHERE id = ?"),
    list: db.prepare<ChannelRow, []>("SELECT * FROM channels ORDER BY created_at, rowid"),
    insert: db.prepare("INSERT INTO channels (id, name, metadata, table_name, created_at) VALUES (?, ?, ?, ?, ?)"),
    del: db.prepare("DELETE FROM channels WHERE id = ?"),
    delConnections: db.prepare("DELETE FROM channel_connections WHERE channel_id = ?"),
    client: db.prepare<{ id: string }, [string]>("SELECT id FROM clients WHERE id = ?"),
    connection: db.prepare<ConnectionRow, [string, string]>(
      "SELECT * FROM channel_connections WHERE channel_id = ? AND client_id = ?",
    ),
    upsert: db.prepare(
      `INSERT INTO channel_connections (channel_id, client_id, publish, subscribe) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (channel_id, client_id) DO UPDATE SET publish = max(publish, ?3), subscribe = max(subscribe, ?4)`,
    ),
    disconnect: db.prepare("DELETE FROM channel_connections WHERE channel_id = ? AND client_id = ?"),
    connections: db.prepare<ConnectionRow, []>("SELECT * FROM channel_connections ORDER BY channel_id, client_id"),
    connectionsOf: db.prepare<ConnectionRow, [string]>(
      "SELECT * FROM channel_connections WHERE channel_id = ? ORDER BY client_id",
    ),
    dataVersion: db.prepare<{ data_version: Int }, []>("PRAGMA data_version"),
  };
  let localWrites = 0;

  const get = (id: string): Channel | null => {
    const r = q.get.get(id);
    return r ? toChannel(r) : null;
  };
  const mustGet = (id: string): Channel => {
    const c = get(id);
    if (!c) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
    return c;
  };

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
        q.insert.run(o.id, o.name ?? null, metadata, table, Date.now());
      } catch (e) {
        if (e instanceof Error && /UNIQUE constraint failed/i.test(e.message))
          throw conflict("channel_exists", `channel ${JSON.stringify(o.id)} already exists`);
        throw e;
      }
      localWrites++;
      log.info(`created channel ${o.id} (table ${table})`);
      return mustGet(o.id);
    },
    get,
    list: () => q.list.all().map(toChannel),
    delete(id) {
      db.transaction(() => {
        mustGet(id);
        q.delConnections.run(id);
        q.del.run(id);
      }).immediate();
      localWrites++;
      log.info(`deleted channel ${id}`);
    },
    connect(channelId, clientId, ops = {}) {
      const both = !ops.publish && !ops.subscribe;
      const pub = both || ops.publish === true ? 1 : 0;
      const sub = both || ops.subscribe === true ? 1 : 0;
      db.transaction(() => {
        mustGet(channelId);
        if (!q.client.get(clientId)) throw notFound("client_not_found", `client ${JSON.stringify(clientId)} not found`);
        q.upsert.run(channelId, clientId, pub, sub);
      }).immediate();
      localWrites++;
      const c = q.connection.get(channelId, clientId);
      if (!c) throw new NeoError("internal", "connection not stored", 500);
      log.info(`connected client ${clientId} to channel ${channelId}`);
      return toConnection(c);
    },
    disconnect(channelId, clientId) {
      mustGet(channelId);
      const n = q.disconnect.run(channelId, clientId).changes;
      localWrites++;
      if (n > 0) log.info(`disconnected client ${clientId} from channel ${channelId}`);
      return n > 0;
    },
    connections(channelId) {
      return (channelId === undefined ? q.connections.all() : q.connectionsOf.all(channelId)).map(toConnection);
    },
    allowed(clientId, channelId, op) {
      const c = q.connection.get(channelId, clientId);
      return c != null && Number(op === "publish" ? c.publish : c.subscribe) === 1;
    },
    dataVersion() {
      return Number(q.dataVersion.get()?.data_version ?? 0) + localWrites;
    },
    close() {
      db.close();
    },
  };
}
