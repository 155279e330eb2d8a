// Encoding the hot packet, PUBLISH without v5 properties, by hand: shared by the broker
// (deliveries) and the bridge (forwarding upstream); mqtt-packet's generate() costs
// several times more per packet.

/** Encode a PUBLISH that carries no v5 properties. */
export function encodePublish(
  topic: string,
  payload: Buffer,
  qos: 0 | 1 | 2,
  pid: number,
  retain: boolean,
  dup: boolean,
  version: number,
): Buffer {
  const tlen = Buffer.byteLength(topic);
  const rem = 2 + tlen + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length;
  let lenBytes = 1;
  for (let r = rem; r >= 128; r = Math.floor(r / 128)) lenBytes++;
  const out = Buffer.allocUnsafe(1 + lenBytes + rem);
  out[0] = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  let i = 1;
  let r = rem;
  do {
    let b = r % 128;
    r = Math.floor(r / 128);
    if (r > 0) b |= 0x80;
    out[i++] = b;
  } while (r > 0);
  out[i++] = tlen >> 8;
  out[i++] = tlen & 0xff;
  i += out.write(topic, i, "utf8");
  if (qos > 0) {
    out[i++] = pid >> 8;
    out[i++] = pid & 0xff;
  }
  if (version === 5) out[i++] = 0;
  payload.copy(out, i);
  return out;
}
