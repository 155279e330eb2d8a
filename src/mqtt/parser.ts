// One mqtt-packet parser shared by every connection. A parser per connection cost
// several KB each (an EventEmitter, a BufferList that is a full Duplex stream, a state
// array) and kept the CONNECT packet alive for the connection's life (mqtt-packet
// stores it as its `settings`). Connection frames the bytes itself and only ever hands
// over complete packets, so between two parse() calls the parser holds no state, and
// each call says which protocol version applies.
import mqtt, { type Packet } from "mqtt-packet";
import type { ProtocolVersion } from "./types.ts";

export interface PacketSink {
  onPacket(p: Packet): void;
  onParseError(e: Error): void;
}

/** the parts of mqtt-packet's Parser that the typings leave out */
interface ParserInternals {
  settings: { protocolVersion?: number };
  error: Error | null;
  _list: { length: number };
  _stateCounter: number;
  _pos: number;
  _resetState(): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * The byte list mqtt-packet reads from, in place of `bl`'s BufferList. The parser only
 * ever sees complete packets in one buffer, so one buffer and an offset do; bl answers
 * every readUInt8/readUInt16BE with a fresh sub-Buffer and an offset array (~40 objects
 * of garbage per CONNECT). Same methods, same results: views into the received buffer,
 * RangeError past the end.
 */
class FlatList {
  private buf: Buffer = EMPTY;
  private off = 0;

  get length(): number {
    return this.buf.length - this.off;
  }

  append(b: Buffer): this {
    this.buf = this.off >= this.buf.length ? b : Buffer.concat([this.buf.subarray(this.off), b]);
    this.off = 0;
    return this;
  }

  consume(n: number): this {
    this.off += n;
    if (this.off >= this.buf.length) {
      this.buf = EMPTY; // keep nothing of the received bytes alive
      this.off = 0;
    }
    return this;
  }

  readUInt8(i: number): number {
    return this.buf.readUInt8(this.off + i);
  }

  readUInt16BE(i: number): number {
    return this.buf.readUInt16BE(this.off + i);
  }

  readUInt32BE(i: number): number {
    return this.buf.readUInt32BE(this.off + i);
  }

  slice(start = 0, end = this.length): Buffer {
    return this.buf.subarray(this.off + start, this.off + Math.min(end, this.length));
  }

  toString(encoding: BufferEncoding = "utf8", start = 0, end = this.length): string {
    return this.buf.toString(encoding, this.off + start, this.off + Math.min(end, this.length));
  }
}

type MqttParser = ReturnType<typeof mqtt.parser>;

const SETTINGS: Record<number, { protocolVersion: number }> = {
  3: { protocolVersion: 3 },
  4: { protocolVersion: 4 },
  5: { protocolVersion: 5 },
};

const settingsFor = (version: number) => SETTINGS[version] ?? (SETTINGS[4] as { protocolVersion: number });

let shared: MqttParser | null = null;
let current: PacketSink | null = null;

function create(to: () => PacketSink | null): MqttParser {
  const p = mqtt.parser({ protocolVersion: 4 });
  const inner = p as unknown as ParserInternals;
  const reset = inner._resetState;
  inner._resetState = function (this: ParserInternals) {
    reset.call(this);
    this._list = new FlatList();
  };
  inner._list = new FlatList();
  p.on("packet", (pkt: Packet) => to()?.onPacket(pkt));
  p.on("error", (e: Error) => to()?.onParseError(e));
  return p;
}

/**
 * Parse `buf`, which holds only complete packets, for `sink`. Packets and errors are
 * delivered synchronously. May throw (the caller treats that as a malformed packet).
 */
export function parsePackets(buf: Buffer, version: number, sink: PacketSink): void {
  if (current !== null) {
    // re-entered from a packet handler: use a private parser for this call
    const own = create(() => sink);
    (own as unknown as ParserInternals).settings = settingsFor(version);
    own.parse(buf);
    return;
  }
  const p = (shared ??= create(() => current));
  const inner = p as unknown as ParserInternals;
  // on CONNECT mqtt-packet replaces `settings` (never mutates it) with the packet,
  // which then decides the version for the packets that follow it in this buffer
  inner.settings = settingsFor(version);
  current = sink;
  try {
    p.parse(buf);
  } finally {
    current = null;
    inner.settings = settingsFor(4); // drop the CONNECT packet
    if (inner.error || inner._list.length > 0 || inner._stateCounter !== 0 || inner._pos !== 0) {
      inner._resetState(); // after a malformed packet: start clean (_resetState leaves _pos)
      inner._pos = 0;
    }
  }
}

/** Can this parsed packet be encoded again? Only packets with properties need asking. */
export function encodable(p: Packet, version: ProtocolVersion): boolean {
  const v = p.cmd === "connect" ? (p.protocolVersion ?? version) : version;
  if (v !== 5) return true;
  try {
    mqtt.generate(p, { protocolVersion: 5 });
    return true;
  } catch {
    return false;
  }
}
