// UNSUBSCRIBE: remove each filter; v5 UNSUBACK says which existed.
import type { IUnsubscribePacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import { RC } from "../codes.ts";

export function handleUnsubscribe(c: Connection, p: IUnsubscribePacket): void {
  const session = c.session;
  if (!session) return c.close();
  // an UNSUBSCRIBE without a topic filter is a Protocol Error [MQTT-3.10.3-2]
  if (!p.unsubscriptions || p.unsubscriptions.length === 0) return c.protocolClose(RC.protocolError);
  const codes: number[] = [];
  for (const raw of p.unsubscriptions) {
    const existed = c.core.removeSubscription(session, raw);
    codes.push(existed ? RC.success : RC.noSubscriptionExisted);
  }
  // [MQTT-3.10.4-4] UNSUBACK even when nothing matched; v3.1.1 has no payload codes
  if (c.version === 5) c.sendPacket({ cmd: "unsuback", messageId: p.messageId ?? 0, granted: codes });
  else c.sendPacket({ cmd: "unsuback", messageId: p.messageId ?? 0, granted: [] });
}
