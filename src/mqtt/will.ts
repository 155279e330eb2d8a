// A will, when it is due: checked like any publish of the client (authorizePublish), its
// expiry counted from now, offered to the app's onPublish like a client's message, and
// routed unless the app consumed it.
import type { BrokerCore } from "./core.ts";
import type { ClientRef } from "./hooks.ts";
import type { Message, WillMessage } from "./types.ts";

export function publishWill(core: BrokerCore, client: ClientRef, will: WillMessage): void {
  if (!core.hooks.authorizePublish(client, will.msg.topic)) return;
  const msg: Message = { ...will.msg };
  const exp = msg.properties?.messageExpiryInterval;
  if (exp !== undefined) msg.expiresAt = Date.now() + exp * 1000;
  const onPublish = core.hooks.onPublish;
  if (!onPublish) return core.ingest(msg);
  const inbound = {
    topic: msg.topic,
    payload: msg.payload,
    qos: msg.qos,
    retain: msg.retain,
    ...(msg.properties ? { properties: msg.properties } : {}),
  };
  Promise.resolve()
    .then(() => onPublish(client, inbound))
    .then(
      (o) => {
        if (!o.handled) core.ingest(msg);
      },
      (e: unknown) => core.log.error(`onPublish failed for will on ${msg.topic}`, e),
    );
}
