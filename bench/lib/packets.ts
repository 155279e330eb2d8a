// Packet builders for the load generator: mqtt-packet generates, we batch and patch.
import mqtt from "mqtt-packet";

export interface Credentials {
  username?: string;
  password?: string;
}

export function connectPacket(clientId: string, creds: Credentials, keepalive = 0, protocolVersion: 4 | 5 = 4): Buffer {
  return mqtt.generate(
    {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion,
      clean: true,
      clientId,
      keepalive,
      ...(creds.username !== undefined ? { username: creds.username } : {}),
      ...(creds.password !== undefined ? { password: Buffer.from(creds.password) } : {}),
    },
    { protocolVersion },
  );
}

export function subscribePacket(topic: string, qos: 0 | 1, messageId = 1): Buffer {
  return mqtt.generate({ cmd: "subscribe", messageId, subscriptions: [{ topic, qos }] });
}

export function disconnectPacket(): Buffer {
  return mqtt.generate({ cmd: "disconnect" });
}

export function pingPacket(): Buffer {
  return mqtt.generate({ cmd: "pingreq" });
}

export function pubackPacket(messageId: number): Buffer {
  return mqtt.generate({ cmd: "puback", messageId });
}

/** `count` identical QoS 0 PUBLISH packets in one buffer, for one socket write. */
export function qos0Batch(topic: string, payload: Buffer, count: number): Buffer {
  const one = mqtt.generate({ cmd: "publish", topic, payload, qos: 0, retain: false, dup: false });
  return Buffer.concat(Array.from({ length: count }, () => one));
}

/**
 * A QoS 1 PUBLISH template: the encoded packet and the offset of its 2-byte packet id,
 * so a batch is built by copying and patching, not by generating each packet.
 */
export interface Qos1Template {
  packet: Buffer;
  idOffset: number;
}

export function qos1Template(topic: string, payload: Buffer): Qos1Template {
  const packet = mqtt.generate({ cmd: "publish", topic, payload, qos: 1, messageId: 1, retain: false, dup: false });
  // fixed header byte + remaining-length varint, then 2-byte topic length + topic
  let i = 1;
  while ((packet[i]! & 0x80) !== 0) i++;
  const idOffset = i + 1 + 2 + Buffer.byteLength(topic);
  if (packet.readUInt16BE(idOffset) !== 1) throw new Error("qos1Template: packet id not where expected");
  return { packet, idOffset };
}

/** Fill `out` with copies of the template carrying ids firstId.. (wrapping 1..65535). */
export function qos1Batch(t: Qos1Template, firstId: number, count: number): Buffer {
  const size = t.packet.length;
  const out = Buffer.allocUnsafe(size * count);
  let id = firstId;
  for (let k = 0; k < count; k++) {
    t.packet.copy(out, k * size);
    out.writeUInt16BE(id, k * size + t.idOffset);
    id = id === 65535 ? 1 : id + 1;
  }
  return out;
}

/** The next packet id after `id` (1..65535, never 0). */
export function nextId(id: number, step = 1): number {
  return ((id - 1 + step) % 65535) + 1;
}
