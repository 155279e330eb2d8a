// The WebSocket adapter's sockets (`/ws/channels/<id>/messages[/...]`, plain WebSocket,
// not MQTT): each frame a socket sends is a message to its channel; every message on
// the channel's topic (from MQTT, HTTP or another socket) goes to every socket on that
// topic whose client may subscribe. A socket never gets its own frames back.
import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { CredentialRef } from "../auth/index.ts";
import type { Logger } from "../lib/log.ts";
import type { ChannelMessages } from "./messages.ts";

export interface ChannelSocketData {
  kind: "channel-socket";
  /** who, for logs: the client id, `user:<name>`, or "" (anonymous) */
  clientId: string;
  /** the credential it opened with: its rights now decide every frame and delivery */
  ref: CredentialRef;
  channelId: string;
  topic: string;
  expiresAt: number;
}

type Socket = ServerWebSocket<ChannelSocketData>;
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** WebSocket close code 1008: policy violation */
const POLICY = 1008;
/** a socket that does not read what it is sent is closed (1013) beyond this much queued */
const MAX_BUFFERED = 8 * 1024 * 1024;

export interface ChannelSocketDeps {
  messages: ChannelMessages;
  /** a frame from a socket: store and publish it like any channel message (the socket is `from`) */
  publish(
    data: ChannelSocketData,
    payload: Uint8Array,
    from: Socket,
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** is this credential still usable (current(): not deleted, revoked, rotated away or expired)? */
  stillValid(data: ChannelSocketData): boolean;
  log: Logger;
}

export const isChannelSocket = (d: unknown): d is ChannelSocketData =>
  typeof d === "object" && d !== null && (d as { kind?: unknown }).kind === "channel-socket";

export function createChannelSockets(deps: ChannelSocketDeps) {
  const byTopic = new Map<string, Set<Socket>>();
  const { messages, log } = deps;

  function fanout(topic: string, payload: Uint8Array, except?: unknown): void {
    const set = byTopic.get(topic);
    if (!set) return;
    let text: string | undefined;
    try {
      text = utf8.decode(payload);
    } catch {
      text = undefined;
    }
    for (const ws of set) {
      if (ws === except) continue;
      if (!messages.allowed(ws.data.ref, ws.data.channelId, "subscribe")) continue;
      if (ws.getBufferedAmount() > MAX_BUFFERED) {
        log.warn(`closing channel socket of ${ws.data.clientId} on ${topic}: it does not read its messages`);
        set.delete(ws);
        ws.close(1013, "too slow: messages are not being read");
        continue;
      }
      if (text !== undefined) ws.send(text);
      else ws.sendBinary(payload);
    }
  }

  /** after a registry change or on expiry: close sockets whose key or channel rights are gone */
  function revalidate(now = Date.now()): void {
    for (const set of byTopic.values()) {
      for (const ws of set) {
        const d = ws.data;
        let why: string | undefined;
        if (now >= d.expiresAt || !deps.stillValid(d)) why = "key deleted, revoked or expired";
        else if (!messages.allowed(d.ref, d.channelId, "publish") && !messages.allowed(d.ref, d.channelId, "subscribe"))
          why = `not connected to channel ${d.channelId}`;
        if (why) {
          log.info(`closing channel socket of ${d.clientId} on ${d.topic}: ${why}`);
          set.delete(ws);
          ws.close(POLICY, why);
        }
      }
    }
  }

  const handlers: WebSocketHandler<ChannelSocketData> = {
    open(ws) {
      let set = byTopic.get(ws.data.topic);
      if (!set) byTopic.set(ws.data.topic, (set = new Set()));
      set.add(ws);
    },
    message(ws, m) {
      const d = ws.data;
      if (!messages.allowed(d.ref, d.channelId, "publish")) {
        ws.send(JSON.stringify({ success: false, reason: `not allowed to publish to channel ${d.channelId}` }));
        return;
      }
      const payload = typeof m === "string" ? new TextEncoder().encode(m) : new Uint8Array(m);
      deps.publish(d, payload, ws).then(
        (r) => {
          if (!r.ok) ws.send(JSON.stringify({ success: false, reason: r.reason }));
        },
        (e: unknown) => log.error(`channel socket message on ${d.topic} failed`, e),
      );
    },
    close(ws) {
      const set = byTopic.get(ws.data.topic);
      set?.delete(ws);
      if (set?.size === 0) byTopic.delete(ws.data.topic);
    },
  };

  return {
    fanout,
    revalidate,
    handlers: handlers as unknown as WebSocketHandler<unknown>,
    count: () => [...byTopic.values()].reduce((n, s) => n + s.size, 0),
    closeAll(): void {
      for (const set of byTopic.values()) for (const ws of set) ws.close(1001, "server shutting down");
      byTopic.clear();
    },
  };
}
