// Retained messages: the last retained message per topic; an empty payload clears it.
import type { Message } from "./types.ts";
import { topicMatches } from "./topics.ts";

export class RetainedStore {
  private readonly byTopic = new Map<string, Message>();

  get size(): number {
    return this.byTopic.size;
  }

  /** Store or clear [MQTT-3.3.1-5, MQTT-3.3.1-10, MQTT-3.3.1-11]. */
  set(msg: Message): void {
    if (msg.payload.length === 0) this.byTopic.delete(msg.topic);
    else this.byTopic.set(msg.topic, { ...msg, payload: Buffer.from(msg.payload) }); // own copy: do not pin a socket chunk
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
    this.byTopic.delete(m.topic);
    return true;
  }
}
