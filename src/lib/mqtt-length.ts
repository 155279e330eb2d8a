// MQTT's Remaining Length (a Variable Byte Integer, 1-4 bytes of 7 bits each, MQTT 1.5.5),
// read by the broker's connections and the bridge's client alike. No allocation: the
// caller keeps one `VarInt` and it is filled in place (the broker reads one per packet).

export interface VarInt {
  /** the decoded value */
  value: number;
  /** the offset just after its last byte */
  end: number;
}

/** Reads the integer at buf[at]: "incomplete" when the bytes end first, "malformed" past 4 bytes [MQTT-1.5.5]. */
export function readVarInt(buf: Uint8Array, at: number, out: VarInt): "ok" | "incomplete" | "malformed" {
  let value = 0;
  let mult = 1;
  for (let n = 0; n < 4; n++) {
    const i = at + n;
    if (i >= buf.length) return "incomplete";
    const b = buf[i] as number;
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) {
      out.value = value;
      out.end = i + 1;
      return "ok";
    }
    mult *= 128;
  }
  return "malformed";
}
