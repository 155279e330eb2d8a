// Channels over HTTP for the web UI and scripts (a web session, like the key endpoints):
//   GET    /web/api/channels                      -> {success, data: [{id,name,table,metadata,createdAt,connections}]}
//   POST   /web/api/channels                      {id, name?, table?, metadata?} -> {success, data: channel}
//   DELETE /web/api/channels/:id                  disconnects everyone (stored rows stay)
//   POST   /web/api/channels/:id/connect          {client, publish?, subscribe?} (both when neither)
//   POST   /web/api/channels/:id/disconnect       {client}
// The same operations as `neo shell channel`; connect/disconnect change the key's channel
// scopes, so a running broker applies them to live sessions within a second.
import { badRequest } from "../lib/errors.ts";
import { ok } from "../lib/http/respond.ts";
import { channelsJson, type Channels } from "../registry/index.ts";

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

export function createChannelsApi(channels: Channels) {
  const one = (id: string) => channelsJson([channels.get(id)!], channels.connections(id))[0];
  return {
    list(started: number): Response {
      return ok(started, { data: channelsJson(channels.list(), channels.connections()) });
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
      const client = text(body.client, "client");
      if (client === undefined) throw badRequest("bad_request", "client is required");
      const publish = flag(body.publish, "publish");
      const subscribe = flag(body.subscribe, "subscribe");
      const c = channels.connect(id, client, {
        ...(publish !== undefined ? { publish } : {}),
        ...(subscribe !== undefined ? { subscribe } : {}),
      });
      return ok(started, { data: { clientId: c.clientId, publish: c.publish, subscribe: c.subscribe } });
    },
    disconnect(started: number, id: string, body: Record<string, unknown>): Response {
      const client = text(body.client, "client");
      if (client === undefined) throw badRequest("bad_request", "client is required");
      return ok(started, { data: { disconnected: channels.disconnect(id, client) } });
    },
  };
}
