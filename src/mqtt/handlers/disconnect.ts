// DISCONNECT from the client: normal close discards the will, v5 0x04 keeps it.
import type { IDisconnectPacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import { RC } from "../codes.ts";

export function handleDisconnect(c: Connection, p: IDisconnectPacket): void {
  const s = c.session;
  const expiry = p.properties?.sessionExpiryInterval;
  if (c.version === 5 && expiry !== undefined && s) {
    // [MQTT-3.14.2-2] a session that expired at close may not be given a lifetime now
    if (s.expiryMs === 0 && expiry !== 0) return c.protocolClose(RC.protocolError);
    s.expiryMs = expiry === 0xffffffff ? Infinity : expiry * 1000;
  }
  // [MQTT-3.14.4-3] normal DISCONNECT: the will is discarded; v5 0x04 asks for it
  c.clientDisconnected(c.version === 5 && p.reasonCode === RC.disconnectWithWill);
}
