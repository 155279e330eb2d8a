// CoAP over TCP/TLS framing (RFC 8323 §3.2): no type and no message id; a length
// nibble (with 1, 2 or 4 extension bytes) gives the size of options + payload. The
// option and payload bytes are RFC 7252's (codec.ts).
import { type CoapOption, decodeOptions, encodeOptions } from "./codec.ts";

export interface TcpMessage {
  code: number;
  token: Uint8Array;
  options: CoapOption[];
  payload: Uint8Array;
}

/**
 * How many bytes the frame at the start of `b` takes: a number when the header is
 * complete, "more" when more bytes are needed to know, or a reason it is malformed.
 * `max` bounds the options + payload length before anything is buffered.
 */
export function frameSize(b: Uint8Array, max: number): number | "more" | string {
  if (b.length < 1) return "more";
  const len = b[0]! >> 4;
  const tkl = b[0]! & 15;
  if (tkl > 8) return "token length over 8";
  const ext = len === 13 ? 1 : len === 14 ? 2 : len === 15 ? 4 : 0;
  if (b.length < 1 + ext) return "more";
  let body = len;
  if (len === 13) body = b[1]! + 13;
  else if (len === 14) body = ((b[1]! << 8) | b[2]!) + 269;
  else if (len === 15) body = ((b[1]! << 24) >>> 0) + ((b[2]! << 16) | (b[3]! << 8) | b[4]!) + 65805;
  if (body > max) return `message of ${body} bytes over the ${max}-byte limit`;
  return 1 + ext + 1 + tkl + body;
}

/** decode one complete frame (exactly frameSize bytes); never throws */
export function decodeFrame(b: Uint8Array): TcpMessage | string {
  const len = b[0]! >> 4;
  const tkl = b[0]! & 15;
  const ext = len === 13 ? 1 : len === 14 ? 2 : len === 15 ? 4 : 0;
  const at = 1 + ext;
  if (b.length < at + 1 + tkl) return "frame shorter than its header";
  const code = b[at]!;
  const token = b.slice(at + 1, at + 1 + tkl);
  const rest = decodeOptions(b, at + 1 + tkl);
  if (typeof rest === "string") return rest;
  return { code, token, options: rest.options, payload: rest.payload };
}

export function encodeFrame(m: TcpMessage): Uint8Array {
  if (m.token.length > 8) throw new RangeError("token longer than 8 bytes");
  const body = encodeOptions(m.options, m.payload);
  const n = body.length;
  const head: number[] = [];
  if (n < 13) head.push((n << 4) | m.token.length);
  else if (n < 269) head.push((13 << 4) | m.token.length, n - 13);
  else if (n < 65805) head.push((14 << 4) | m.token.length, (n - 269) >> 8, (n - 269) & 0xff);
  else {
    const x = n - 65805;
    head.push((15 << 4) | m.token.length, (x >>> 24) & 0xff, (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff);
  }
  head.push(m.code);
  const out = new Uint8Array(head.length + m.token.length + n);
  out.set(head, 0);
  out.set(m.token, head.length);
  out.set(body, head.length + m.token.length);
  return out;
}
