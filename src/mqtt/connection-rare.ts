// What few idle connections need, made on first need and kept on the Connection (`rare`):
// an idle connection without a will has none (a Connection is 18 fields, the most JSC's
// 160-byte size class holds: one more field would cost 64 bytes on every connection).
import type { Reassembly } from "./reassembly.ts";
import type { WillMessage } from "./types.ts";

export class ConnectionRare {
  /** the will of the CONNECT, until it is published or dropped */
  will: WillMessage | null = null;
  /** pieces of an incomplete packet, joined once it is complete (framing.ts) */
  pieces: Reassembly | null = null;
  /** every packet corked this turn once there are two (outbound.ts); made then, kept (this client is written to) */
  more: Uint8Array[] | null = null;
  /** the bytes in `more` */
  moreBytes = 0;
  /** since when the bytes waiting for the client have not gone down, and their least (outbound.ts stalled) */
  stallSince = 0;
  stallLow = 0;
}
