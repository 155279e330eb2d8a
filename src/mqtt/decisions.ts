// The app's answers kept per session, so the hot path asks the app once per topic, not
// once per message: the topics the session's client may publish to (allows only: a
// refusal is asked again every time, the app audits it) and whether a topic may be
// delivered to it. Kept only when the app says for how long (BrokerHooks.decisionsUntil:
// a credential's expiry, or Infinity), dropped on every change the app signals
// (Broker.decisionsChanged), when the session changes hands, and not used once that time
// has come (the clock read once per batch of packets, lib/batch-clock.ts).
import { batchClock } from "../lib/batch-clock.ts";
import type { Logger } from "../lib/log.ts";
import type { BrokerHooks, ClientRef, DeliveryTarget } from "./hooks.ts";
import type { Session } from "./session.ts";

/** a session keeps at most this many topics of each kind (a client cycling topics costs no memory) */
const MAX_TOPICS = 1024;

export interface SessionDecisions {
  /** the cache's epoch when these were kept: any change since drops them */
  epoch: number;
  /** who they are about (a new connection or owner is a new target) */
  target: DeliveryTarget;
  /** ms epoch from which they may not be used (Infinity: only a change drops them) */
  until: number;
  /** deliver answers by topic; made with the first kept (a client that only publishes has none) */
  deliver: Map<string, boolean> | null;
  /** the first topic it was allowed to publish to (most devices publish to one: no Set for it) */
  published: string | null;
  /** every other topic it was allowed to publish to; made with the second */
  publish: Set<string> | null;
}

export class DecisionCache {
  private epoch = 0;
  private readonly now = batchClock();

  constructor(private readonly log: Logger) {}

  /** the app saw a change (rights, credentials, settings): every kept answer goes */
  changed(): void {
    this.epoch++;
  }

  /** what the deliver hook is asked about: one object per session and connection, not one per delivery */
  target(s: Session): DeliveryTarget {
    const client = s.conn?.client ?? null;
    let t = s.deliveryTarget;
    if (t === null || t.client !== client || t.owner !== s.owner || t.meta !== s.meta)
      t = s.deliveryTarget = { clientId: s.id, owner: s.owner, client, meta: s.meta };
    return t;
  }

  /** the session's kept answers, or null when none may be kept or used now */
  private of(s: Session, hooks: BrokerHooks): SessionDecisions | null {
    const untilOf = hooks.decisionsUntil;
    if (!untilOf) return null;
    const t = this.target(s);
    const d = s.decisions;
    if (d !== null && d.epoch === this.epoch && d.target === t) {
      if (d.until === Number.POSITIVE_INFINITY || this.now() < d.until) return d;
    }
    // none yet, a change since, another holder, or past their time: asked afresh (a renewed
    // credential gets a new time; an expired one gets nothing kept)
    let until: number;
    try {
      until = untilOf(t);
    } catch (e) {
      this.log.error("decisionsUntil hook failed", e);
      return null;
    }
    s.decisions = { epoch: this.epoch, target: t, until, deliver: null, published: null, publish: null };
    return until === Number.POSITIVE_INFINITY || this.now() < until ? s.decisions : null;
  }

  /** may this message go to the session? (the app's authorizeDeliver, kept per topic) */
  mayDeliver(s: Session, topic: string, hooks: BrokerHooks): boolean {
    const check = hooks.authorizeDeliver;
    if (!check) return true;
    const d = this.of(s, hooks);
    if (d !== null) {
      const hit = d.deliver?.get(topic);
      if (hit !== undefined) return hit;
    }
    let ok: boolean;
    try {
      ok = check(d?.target ?? this.target(s), topic);
    } catch (e) {
      this.log.error("authorizeDeliver hook failed", e);
      return false;
    }
    if (d !== null) {
      const m = (d.deliver ??= new Map());
      if (m.size >= MAX_TOPICS) m.clear();
      m.set(topic, ok);
    }
    return ok;
  }

  /** may the session's connected client publish here? (the app's authorizePublish; allows kept per topic) */
  mayPublish(s: Session, client: ClientRef, topic: string, hooks: BrokerHooks): boolean {
    const d = s.conn?.client === client ? this.of(s, hooks) : null;
    if (d !== null && (d.published === topic || d.publish?.has(topic))) return true;
    const ok = hooks.authorizePublish(client, topic);
    if (ok && d !== null) {
      if (d.published === null) d.published = topic;
      else {
        const set = (d.publish ??= new Set());
        if (set.size >= MAX_TOPICS) set.clear();
        set.add(topic);
      }
    }
    return ok;
  }
}
