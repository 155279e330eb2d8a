// Framing: the bytes a connection read, cut into MQTT packets by their Remaining Length.
// Hot packets (PUBLISH without properties, PINGREQ, a bare DISCONNECT, acks) are decoded
// here without mqtt-packet; runs of the others go to it; a packet split across reads is
// kept in the connection's Reassembly until it is whole. Limits (Mqtt.MaxPacketSize, and
// Mqtt.MaxConnectSize before the CONNECT is accepted) are checked on the length alone.
import { readVarInt, type VarInt } from "../lib/mqtt-length.ts";
import { decodePublish, decodeTiny } from "./codec.ts";
import { RC } from "./codes.ts";
import type { Connection } from "./connection.ts";
import { parsePackets } from "./parser.ts";
import { Reassembly } from "./reassembly.ts";

/** the Remaining Length of the packet being framed (filled in place) */
const FRAMING: VarInt = { value: 0, end: 0 };

/** Frame and handle bytes already counted (Connection.frame: from onData, or handed back by the connect gate). */
export function frameBytes(c: Connection, chunk: Uint8Array): void {
  if (c.state === "closed") return;
  const accepted = c.state === "connected";
  // Bun.listen hands a Buffer (binaryType "buffer"): framed as it is, no view of it per read
  const buf = c.pieces
    ? c.pieces.take(chunk)
    : chunk instanceof Buffer
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (!buf) return;
  let off = 0;
  let runStart = 0; // start of packets not yet handed to mqtt-packet
  // before the CONNECT is accepted only a small packet may come (Mqtt.MaxConnectSize)
  const max = accepted ? c.core.opts.maxPacketSize : Math.min(c.core.opts.maxPacketSize, c.core.opts.maxConnectSize);
  let need = 0;
  const rl = FRAMING; // filled and read at once, never across a turn: one for every connection
  while (buf.length - off >= 2) {
    const read = readVarInt(buf, off + 1, rl);
    if (read === "malformed") return c.protocolClose(RC.malformedPacket); // remaining length over 4 bytes
    if (read === "incomplete") break;
    const i = rl.end;
    const total = i - off + rl.value;
    if (total > max) return c.protocolClose(RC.packetTooLarge);
    if (c.state === "new" && off === 0 && (buf[0] as number) >> 4 !== 1) return c.close(); // [MQTT-3.1.0-1]
    if (buf.length - off < total) {
      need = total;
      break;
    }
    const first = buf[off] as number;
    if (c.state === "connected" && first === 0x40 && total === 4 && buf[off + 1] === 2) {
      // PUBACK of a packet id alone, the other half of every QoS 1 delivery: no packet object
      const pid = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
      if (pid !== 0) {
        parseRun(c, buf, runStart, off);
        if ((c.state as string) === "closed") return;
        off += total;
        runStart = off;
        // nothing waits before it: what handlePuback does; else in its turn behind what waits
        if (c.order === null && c.pendingPubs.length === 0) c.session?.complete(pid);
        else c.onPacket({ cmd: "puback", messageId: pid });
        continue;
      }
    }
    if (c.state === "connected" && (first >> 4 === 3 || total <= 4)) {
      // hot paths: PUBLISH without properties, PINGREQ, a bare DISCONNECT and acks skip mqtt-packet
      const fast = first >> 4 === 3 ? decodePublish(buf, off, i, off + total, c.version) : decodeTiny(buf, off, total);
      if (fast === "malformed") {
        parseRun(c, buf, runStart, off);
        return c.protocolClose(RC.malformedPacket);
      }
      if (fast) {
        parseRun(c, buf, runStart, off);
        if ((c.state as string) === "closed") return; // onPacket or parseRun may have closed it
        off += total;
        runStart = off;
        c.onPacket(fast);
        continue;
      }
    }
    off += total;
  }
  if (off < buf.length) (c.pieces ??= new Reassembly()).keep(buf, off, need);
  parseRun(c, buf, runStart, off);
}

/** Hand complete packets in [from, to) to mqtt-packet. */
function parseRun(c: Connection, buf: Buffer, from: number, to: number): void {
  if (to <= from || c.state === "closed") return;
  try {
    parsePackets(from === 0 && to === buf.length ? buf : buf.subarray(from, to), c.version, c);
  } catch (e) {
    c.core.log.debug(`parser threw: ${String(e)}`);
    c.protocolClose(RC.malformedPacket);
  }
}
