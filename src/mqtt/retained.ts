// Retained messages: the last retained message per topic; an empty payload clears it.
// Bounded (Mqtt.MaxRetainedMessages, MaxRetainedBytes, MaxRetainedBytesPerClient): the
// broker asks admits() before a client's retained message is stored.
import type { Message } from "./types.ts";
import { topicMatches } from "./topics.ts";

export interface RetainedLimits {
  maxMessages: number;
  /** payload + topic bytes of all retained messages */
  maxBytes: number;
  /** the same, of the messages one client (owner) retained */
  maxBytesPerOwner: number;
}

const UNLIMITED: RetainedLimits = { maxMessages: Infinity, maxBytes: Infinity, maxBytesPerOwner: Infinity };
const cost = (m: Message) => m.payload.length + m.topic.length;

export class RetainedStore {
  private readonly byTopic = new Map<string, Message>();
  /** who stored the message on each topic (for the per-client limit) */
  private readonly ownerOf = new Map<string, string>();
  private readonly ownerBytes = new Map<string, number>();
  private total = 0;
  /** moves on every store or clear (what a saver compares) */
  version = 0;

  constructor(public limits: RetainedLimits = UNLIMITED) {}

  get size(): number {
    return this.byTopic.size;
  }

  /** bytes held (payloads and topics) */
  get bytes(): number {
    return this.total;
  }

  /** Would storing `msg` for `owner` stay within the limits? (Clearing always does.) */
  admits(msg: Message, owner: string): boolean {
    if (msg.payload.length === 0) return true;
    const old = this.byTopic.get(msg.topic);
    const oldCost = old ? cost(old) : 0;
    const l = this.limits;
    if (!old && this.byTopic.size + 1 > l.maxMessages) return false;
    if (this.total - oldCost + cost(msg) > l.maxBytes) return false;
    const mine = (this.ownerBytes.get(owner) ?? 0) - (old && this.ownerOf.get(msg.topic) === owner ? oldCost : 0);
    return mine + cost(msg) <= l.maxBytesPerOwner;
  }

  /** Store or clear [MQTT-3.3.1-5, MQTT-3.3.1-10, MQTT-3.3.1-11]. */
  set(msg: Message, owner = msg.origin ?? ""): void {
    this.version++;
    this.remove(msg.topic);
    if (msg.payload.length === 0) return;
    const kept = { ...msg, payload: Buffer.from(msg.payload) }; // own copy: do not pin a socket chunk
    this.byTopic.set(msg.topic, kept);
    this.ownerOf.set(msg.topic, owner);
    this.ownerBytes.set(owner, (this.ownerBytes.get(owner) ?? 0) + cost(kept));
    this.total += cost(kept);
  }

  private remove(topic: string): void {
    const old = this.byTopic.get(topic);
    if (!old) return;
    this.byTopic.delete(topic);
    const owner = this.ownerOf.get(topic) ?? "";
    this.ownerOf.delete(topic);
    const left = (this.ownerBytes.get(owner) ?? 0) - cost(old);
    if (left > 0) this.ownerBytes.set(owner, left);
    else this.ownerBytes.delete(owner);
    this.total -= cost(old);
  }

  get(topic: string): Message | undefined {
    return this.byTopic.get(topic);
  }

  /** Retained messages whose topic matches `filter`; expired ones are dropped on the way. */
  *matching(filter: string, now = Date.now()): Generator<Message> {
    const exact = !filter.includes("+") && !filter.includes("#");
    if (exact) {
      const m = this.byTopic.get(filter);
      if (m && !this.expired(m, now)) yield m;
      return;
    }
    for (const m of this.byTopic.values()) {
      if (this.expired(m, now)) continue;
      if (topicMatches(filter, m.topic)) yield m;
    }
  }

  /** Every unexpired retained message. */
  *all(now = Date.now()): Generator<Message> {
    for (const m of this.byTopic.values()) if (!this.expired(m, now)) yield m;
  }

  private expired(m: Message, now: number): boolean {
    if (m.expiresAt === undefined || m.expiresAt > now) return false;
    this.remove(m.topic);
    return true;
  }
}
