// PUBACK / PUBREC / PUBREL / PUBCOMP: the acknowledgement side of QoS 1 and 2.
import type { IPubackPacket, IPubcompPacket, IPubrecPacket, IPubrelPacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import { RC } from "../codes.ts";

/** QoS 1 outbound done. */
export function handlePuback(c: Connection, p: IPubackPacket): void {
  c.session?.complete(p.messageId ?? 0);
}

/** QoS 2 outbound, step 2: answer PUBREC with PUBREL [MQTT-4.3.3-4]. */
export function handlePubrec(c: Connection, p: IPubrecPacket): void {
  const pid = p.messageId ?? 0;
  const failed = (p.reasonCode ?? 0) >= 0x80;
  const known = c.session?.received(pid, failed) ?? false;
  if (failed) return;
  if (known) c.sendPacket({ cmd: "pubrel", messageId: pid });
  else if (c.version === 5) c.sendPacket({ cmd: "pubrel", messageId: pid, reasonCode: RC.packetIdentifierNotFound });
  else c.sendPacket({ cmd: "pubrel", messageId: pid });
}

/** QoS 2 inbound, step 3: release the packet id and answer PUBCOMP [MQTT-4.3.3-11]. */
export function handlePubrel(c: Connection, p: IPubrelPacket): void {
  const pid = p.messageId ?? 0;
  const known = c.session?.releaseInboundQos2(pid) ?? false;
  if (known) c.inboundPending = Math.max(0, c.inboundPending - 1);
  if (!known && c.version === 5)
    c.sendPacket({ cmd: "pubcomp", messageId: pid, reasonCode: RC.packetIdentifierNotFound });
  else c.sendPacket({ cmd: "pubcomp", messageId: pid });
}

/** QoS 2 outbound done. */
export function handlePubcomp(c: Connection, p: IPubcompPacket): void {
  c.session?.complete(p.messageId ?? 0);
}
