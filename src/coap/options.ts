// CoAP option numbers, response codes and the Block option (RFC 7252, 7641, 7959, 8323).
import { type CoapMessage, type CoapOption, readUint, uintValue } from "./codec.ts";

export const OPT = {
  IF_MATCH: 1,
  URI_HOST: 3,
  ETAG: 4,
  IF_NONE_MATCH: 5,
  OBSERVE: 6,
  URI_PORT: 7,
  LOCATION_PATH: 8,
  URI_PATH: 11,
  CONTENT_FORMAT: 12,
  MAX_AGE: 14,
  URI_QUERY: 15,
  ACCEPT: 17,
  LOCATION_QUERY: 20,
  BLOCK2: 23,
  BLOCK1: 27,
  SIZE2: 28,
  PROXY_URI: 35,
  PROXY_SCHEME: 39,
  SIZE1: 60,
} as const;

/** the critical options a request may carry here; any other critical one is 4.02 Bad Option */
const KNOWN_CRITICAL = new Set<number>([
  OPT.IF_MATCH,
  OPT.URI_HOST,
  OPT.IF_NONE_MATCH,
  OPT.URI_PORT,
  OPT.URI_PATH,
  OPT.URI_QUERY,
  OPT.ACCEPT,
  OPT.BLOCK2,
  OPT.BLOCK1,
  OPT.PROXY_URI,
  OPT.PROXY_SCHEME,
]);

/** the first critical option number not understood (odd numbers are critical: RFC 7252 §5.4.1) */
export function unknownCritical(options: readonly CoapOption[]): number | undefined {
  for (const o of options) if (o.number & 1 && !KNOWN_CRITICAL.has(o.number)) return o.number;
  return undefined;
}

/** c.dd as a code byte */
const code = (cls: number, detail: number) => (cls << 5) | detail;
export const CODE = {
  EMPTY: 0,
  GET: 1,
  POST: 2,
  PUT: 3,
  DELETE: 4,
  CREATED: code(2, 1),
  CHANGED: code(2, 4),
  CONTENT: code(2, 5),
  CONTINUE: code(2, 31),
  BAD_REQUEST: code(4, 0),
  UNAUTHORIZED: code(4, 1),
  BAD_OPTION: code(4, 2),
  FORBIDDEN: code(4, 3),
  NOT_FOUND: code(4, 4),
  METHOD_NOT_ALLOWED: code(4, 5),
  REQUEST_ENTITY_INCOMPLETE: code(4, 8),
  REQUEST_ENTITY_TOO_LARGE: code(4, 13),
  UNSUPPORTED_CONTENT_FORMAT: code(4, 15),
  TOO_MANY_REQUESTS: code(4, 29),
  INTERNAL_SERVER_ERROR: code(5, 0),
  SERVICE_UNAVAILABLE: code(5, 3),
  PROXYING_NOT_SUPPORTED: code(5, 5),
  // RFC 8323 signaling
  CSM: code(7, 1),
  PING: code(7, 2),
  PONG: code(7, 3),
  RELEASE: code(7, 4),
  ABORT: code(7, 5),
} as const;

export const isRequest = (c: number) => c >= 1 && c <= 31;

/** Content-Format numbers (IANA CoAP registry) for the media types channels know */
export const FORMAT = { TEXT: 0, OCTETS: 42, JSON: 50, CBOR: 60, SENML_JSON: 110, SENML_CBOR: 112 } as const;

export const option = (m: Pick<CoapMessage, "options">, n: number) => m.options.find((o) => o.number === n);
export const options = (m: Pick<CoapMessage, "options">, n: number) => m.options.filter((o) => o.number === n);
export const uintOption = (m: Pick<CoapMessage, "options">, n: number): number | undefined => {
  const o = option(m, n);
  return o && o.value.length <= 4 ? readUint(o.value) : undefined;
};
export const uint = (number: number, n: number): CoapOption => ({ number, value: uintValue(n) });

/** Block1/Block2 (RFC 7959 §2.2): block number, more flag, size exponent (size = 2^(szx+4)) */
export interface Block {
  num: number;
  more: boolean;
  szx: number;
}
export const blockSize = (szx: number) => 1 << (szx + 4);

/** undefined: absent; null: malformed (over 3 bytes, or szx 7 = BERT, which neo does not offer) */
export function readBlock(m: Pick<CoapMessage, "options">, n: number): Block | null | undefined {
  const o = option(m, n);
  if (!o) return undefined;
  if (o.value.length > 3) return null;
  const v = readUint(o.value);
  const szx = v & 7;
  if (szx === 7) return null;
  return { num: v >>> 4, more: (v & 8) !== 0, szx };
}

export const blockOption = (n: number, b: Block): CoapOption => uint(n, b.num * 16 + (b.more ? 8 : 0) + b.szx);

/** the largest szx whose block fits in `bytes` (at least 16 bytes: szx 0) */
export function szxFor(bytes: number): number {
  let szx = 6;
  while (szx > 0 && blockSize(szx) > bytes) szx--;
  return szx;
}
