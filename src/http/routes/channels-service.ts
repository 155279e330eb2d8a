// Channel management handlers, shared by the console (/web/api/channels) and scripts
// (/channels): routes in channels.ts; the runner has already decided the operation:
//   list   -> {success, data: [{id,name,table,metadata,createdAt,connections}]}
//   get    -> {success, data: channel}                     404 unknown channel
//   create {id, name?, table?, metadata?} -> 201 {success, data: channel}
//   remove disconnects everyone (stored rows stay)
//   connect {client_id (or client), publish?, subscribe?} (both when neither)
//   disconnect {client_id (or client)}
// The same operations as `neo shell channel`; connect/disconnect change the key's channel
// scopes, so a running broker applies them to live sessions within a second.
import { DEFAULT_DOMAIN_ID } from "../../lib/domain-id.ts";
import { badRequest, notFound } from "../../lib/errors.ts";
import { ok } from "../../lib/http/respond.ts";

interface ChannelLike {
  id: string;
  table: string;
  name?: string | null;
  metadata?: Record<string, unknown>;
  /** the SuperMQ domain it lives in (absent: the default domain) */
  domainId?: string;
}

/** what channel management needs of the registry's channels (app hands it) */
export interface ChannelStore {
  create(o: { id: string; name?: string; table?: string; metadata?: Record<string, unknown> }): ChannelLike;
  get(id: string): ChannelLike | null;
  list(): ChannelLike[];
  delete(id: string): void;
  connect(
    channelId: string,
    clientId: string,
    ops?: { publish?: boolean; subscribe?: boolean },
  ): { clientId: string; publish: boolean; subscribe: boolean };
  disconnect(channelId: string, clientId: string): boolean;
  /** channels with their connections, as the API shows them */
  json(list: ChannelLike[]): unknown[];
  /** the table a channel id gets by default; throws for an id that is not a channel id */
  defaultTable(id: string): string;
}

/** a name a table may have (an invalid one is refused by create with its reason) */
const TABLE_RE = /^[A-Z][A-Z0-9_]{0,62}$/;

const text = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badRequest("bad_request", `${what} must be a string`);
  return v;
};
const flag = (v: unknown, what: string): boolean | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw badRequest("bad_request", `${what} must be true or false`);
  return v;
};

/** the client a connect/disconnect body names: `client_id` (Mainflux's word) or `client` */
const clientOf = (body: Record<string, unknown>): string => {
  const client = text(body.client_id, "client_id") ?? text(body.client, "client");
  if (client === undefined) throw badRequest("bad_request", "client_id is required");
  return client;
};

/** does a connect body ask for the publish right? (both rights when neither is named) */
export const grantsPublish = (body: Record<string, unknown>): boolean =>
  body.publish === true || (body.publish === undefined && body.subscribe === undefined);

/**
 * neo's own channel routes (/channels, the console's /web/api/channels) are the default
 * domain's: another domain's channel is not found there, as on Mainflux's shapes and under
 * /<domain>/channels (its own routes), whatever channels:* scopes the caller holds there.
 */
export function defaultDomainChannels(store: ChannelStore): ChannelStore {
  const here = <T extends ChannelLike | null>(c: T) =>
    c !== null && (c.domainId ?? DEFAULT_DOMAIN_ID) === DEFAULT_DOMAIN_ID ? c : null;
  const must = (id: string) => {
    if (!here(store.get(id))) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
  };
  return {
    ...store,
    get: (id) => here(store.get(id)),
    list: () => store.list().filter((c) => here(c) !== null),
    delete: (id) => {
      must(id);
      store.delete(id);
    },
    connect: (id, client, ops) => {
      must(id);
      return store.connect(id, client, ops);
    },
    disconnect: (id, client) => {
      must(id);
      return store.disconnect(id, client);
    },
  };
}

export function createChannelsService(channels: ChannelStore) {
  const one = (id: string) => channels.json([channels.get(id)!])[0];
  return {
    /**
     * The table a channel writes (a channel is a way to write it): of an existing channel,
     * or the one a create body names (its default from the id otherwise); undefined when
     * the id gives no valid table name (create refuses it).
     */
    tableOf(id: string, body?: Record<string, unknown>): string | undefined {
      if (body === undefined) return channels.get(id)?.table;
      let t: string;
      try {
        const dflt = channels.defaultTable(id);
        t = typeof body.table === "string" ? body.table.toUpperCase() : dflt;
      } catch {
        return undefined;
      }
      return TABLE_RE.test(t) ? t : undefined;
    },
    /** every channel, or those `visible` lets through */
    list(started: number, visible: (id: string) => boolean = () => true): Response {
      const shown = channels.list().filter((c) => visible(c.id));
      return ok(started, { data: channels.json(shown) });
    },
    get(started: number, id: string): Response {
      if (!channels.get(id)) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
      return ok(started, { data: one(id) });
    },
    create(started: number, body: Record<string, unknown>): Response {
      const id = text(body.id, "id");
      if (id === undefined) throw badRequest("bad_request", "id is required");
      const metadata = body.metadata;
      if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)))
        throw badRequest("invalid_metadata", "metadata must be a JSON object");
      const c = channels.create({
        id,
        name: text(body.name, "name"),
        table: text(body.table, "table"),
        ...(metadata ? { metadata: metadata as Record<string, unknown> } : {}),
      });
      return ok(started, { data: one(c.id) }, 201);
    },
    remove(started: number, id: string): Response {
      channels.delete(id);
      return ok(started);
    },
    connect(started: number, id: string, body: Record<string, unknown>): Response {
      const client = clientOf(body);
      const publish = flag(body.publish, "publish");
      const subscribe = flag(body.subscribe, "subscribe");
      const c = channels.connect(id, client, {
        ...(publish !== undefined ? { publish } : {}),
        ...(subscribe !== undefined ? { subscribe } : {}),
      });
      return ok(started, { data: { clientId: c.clientId, publish: c.publish, subscribe: c.subscribe } });
    },
    disconnect(started: number, id: string, body: Record<string, unknown>): Response {
      const client = clientOf(body);
      return ok(started, { data: { disconnected: channels.disconnect(id, client) } });
    },
  };
}
