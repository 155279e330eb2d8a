// CoAP messages (RFC 7252 §3) and their options, for UDP datagrams; RFC 8323 framing
// (TCP/TLS) reuses the option and payload encoding here (tcp-framing.ts). Decoding never
// throws: a malformed datagram is a value with what could be read of its header (type,
// message id, token), so the endpoint can answer a confirmable one with a Reset.

export const TYPE = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
type MessageType = (typeof TYPE)[keyof typeof TYPE];

export interface CoapOption {
  number: number;
  value: Uint8Array;
}

export interface CoapMessage {
  type: MessageType;
  /** class * 32 + detail, e.g. 0x45 = 2.05 */
  code: number;
  messageId: number;
  token: Uint8Array;
  /** sorted by number (decode keeps the wire order, which is sorted) */
  options: CoapOption[];
  payload: Uint8Array;
}

export type Decoded =
  | { ok: true; msg: CoapMessage }
  | { ok: false; reason: string; header?: { type: MessageType; messageId: number; token: Uint8Array } };

/** what may be read of a header; undefined when not even 4 bytes or the version is wrong */
function header(b: Uint8Array): { type: MessageType; tkl: number; code: number; messageId: number } | undefined {
  if (b.length < 4) return undefined;
  const b0 = b[0]!;
  if (b0 >> 6 !== 1) return undefined;
  return { type: ((b0 >> 4) & 3) as MessageType, tkl: b0 & 15, code: b[1]!, messageId: (b[2]! << 8) | b[3]! };
}

/**
 * Options and payload from `b[at..]` (the same in RFC 7252 and RFC 8323).
 * A string is the reason they are malformed.
 */
export function decodeOptions(b: Uint8Array, at: number): { options: CoapOption[]; payload: Uint8Array } | string {
  const options: CoapOption[] = [];
  let number = 0;
  let i = at;
  while (i < b.length) {
    const first = b[i++]!;
    if (first === 0xff) {
      if (i === b.length) return "payload marker followed by no payload";
      return { options, payload: b.subarray(i) };
    }
    let delta = first >> 4;
    let length = first & 15;
    if (delta === 15 || length === 15) return "reserved option nibble 15";
    if (delta === 13) {
      if (i >= b.length) return "option delta truncated";
      delta = b[i++]! + 13;
    } else if (delta === 14) {
      if (i + 1 >= b.length) return "option delta truncated";
      delta = ((b[i]! << 8) | b[i + 1]!) + 269;
      i += 2;
    }
    if (length === 13) {
      if (i >= b.length) return "option length truncated";
      length = b[i++]! + 13;
    } else if (length === 14) {
      if (i + 1 >= b.length) return "option length truncated";
      length = ((b[i]! << 8) | b[i + 1]!) + 269;
      i += 2;
    }
    if (i + length > b.length) return "option value runs past the end";
    number += delta;
    if (number > 0xffff) return "option number out of range";
    options.push({ number, value: b.subarray(i, i + length) });
    i += length;
  }
  return { options, payload: new Uint8Array(0) };
}

export function decode(b: Uint8Array): Decoded {
  const h = header(b);
  if (!h) return { ok: false, reason: b.length < 4 ? "shorter than a header" : "not CoAP version 1" };
  const partial = { type: h.type, messageId: h.messageId, token: new Uint8Array(0) };
  if (h.tkl > 8) return { ok: false, reason: "token length over 8", header: partial };
  if (4 + h.tkl > b.length) return { ok: false, reason: "token runs past the end", header: partial };
  const token = b.slice(4, 4 + h.tkl);
  partial.token = token;
  // an empty message is exactly 4 bytes (RFC 7252 §4.1)
  if (h.code === 0 && (h.tkl !== 0 || b.length !== 4))
    return { ok: false, reason: "empty message with token, options or payload", header: partial };
  const rest = decodeOptions(b, 4 + h.tkl);
  if (typeof rest === "string") return { ok: false, reason: rest, header: partial };
  return {
    ok: true,
    msg: { type: h.type, code: h.code, messageId: h.messageId, token, options: rest.options, payload: rest.payload },
  };
}

function nibble(n: number): [number, number[]] {
  if (n < 13) return [n, []];
  if (n < 269) return [13, [n - 13]];
  return [14, [(n - 269) >> 8, (n - 269) & 0xff]];
}

/** the option and payload bytes (shared by UDP and TCP framing) */
export function encodeOptions(options: readonly CoapOption[], payload: Uint8Array): Uint8Array {
  const sorted = [...options].sort((a, b) => a.number - b.number);
  let size = payload.length > 0 ? payload.length + 1 : 0;
  for (const o of sorted) size += 5 + o.value.length;
  const out = new Uint8Array(size);
  let i = 0;
  let last = 0;
  for (const o of sorted) {
    const [d, dx] = nibble(o.number - last);
    const [l, lx] = nibble(o.value.length);
    out[i++] = (d << 4) | l;
    for (const x of dx) out[i++] = x;
    for (const x of lx) out[i++] = x;
    out.set(o.value, i);
    i += o.value.length;
    last = o.number;
  }
  if (payload.length > 0) {
    out[i++] = 0xff;
    out.set(payload, i);
    i += payload.length;
  }
  return out.subarray(0, i);
}

export function encode(m: CoapMessage): Uint8Array {
  if (m.token.length > 8) throw new RangeError("token longer than 8 bytes");
  const rest = encodeOptions(m.options, m.payload);
  const out = new Uint8Array(4 + m.token.length + rest.length);
  out[0] = 0x40 | (m.type << 4) | m.token.length;
  out[1] = m.code;
  out[2] = (m.messageId >> 8) & 0xff;
  out[3] = m.messageId & 0xff;
  out.set(m.token, 4);
  out.set(rest, 4 + m.token.length);
  return out;
}

/** an unsigned integer option value: shortest big-endian form, 0 is empty (RFC 7252 §3.2) */
export function uintValue(n: number): Uint8Array {
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  }
  return new Uint8Array(bytes);
}

export function readUint(v: Uint8Array): number {
  let n = 0;
  for (const x of v) n = n * 256 + x;
  return n;
}
