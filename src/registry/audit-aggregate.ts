// Noisy audit events are aggregated before they reach the table, so a flood cannot push
// the trail's history out: per group (e.g. refused authentications per address) and
// clock minute, the first `inFull` events are recorded as they are, the rest only
// counted, and one count row per group says how many more there were when the minute
// ends. The rules are a list: refused authentications per address (an IPv6 address by
// its /64); authorization refusals per principal and operation; successful
// authentications per credential, method, listener, address and target.
import { addressGroup } from "../lib/ip.ts";
import { AuditGroups } from "./audit-groups.ts";
import type { AuditEvent } from "./audit-types.ts";

export interface AggregateRule {
  /** the group an event counts in, or undefined when this rule does not apply */
  group(e: AuditEvent): string | undefined;
  /** the count row for `count` events of `group` beyond the first ones in `minute` (ms epoch), like `sample` */
  summary(sample: AuditEvent, count: number, minute: number, group: string): AuditEvent;
  /** events of a group recorded in full per minute, when not the aggregator's own number */
  inFull?: number;
}

export interface AuditAggregator {
  /** true: record `e` in full; false: it was counted */
  admit(e: AuditEvent, at: number): boolean;
  /** the count rows of minutes that ended before `now` (all of them when `now` is undefined) */
  drain(now?: number): AuditEvent[];
  /** when the earliest minute still counting ends (Infinity: none is) */
  nextDrain(): number;
}

const MINUTE = 60_000;
/** groups tracked per minute; beyond, events share one group per rule */
const MAX_GROUPS = 10_000;
const OTHERS = "(other groups)";

/** refused authentications (kind auth, result fail), grouped by address (IPv6: by its first
 * `ipv6Prefix` bits, the guard's Guard.IPv6Prefix, so the trail and the guard see one host alike) */
export const refusedAuthentications = (ipv6Prefix = 64): AggregateRule => ({
  group: (e) => (e.kind === "auth" && e.result === "fail" ? addressGroup(e.address ?? "", ipv6Prefix) : undefined),
  summary: (sample, count, minute, group) => ({
    at: minute + MINUTE - 1,
    kind: "auth",
    action: "refused",
    result: "fail",
    ...(sample.listener !== undefined ? { listener: sample.listener } : {}),
    ...(group !== "" && group !== OTHERS ? { address: group } : {}),
    reason: `${count} more refused authentications from this address in this minute (not recorded one by one)`,
    detail: JSON.stringify({
      count,
      from: new Date(minute).toISOString(),
      to: new Date(minute + MINUTE).toISOString(),
    }),
  }),
});

/**
 * authorization refusals (kind deny: an HTTP 403, a PUBACK/SUBACK 0x87), grouped by
 * principal (the key, or the user) and operation, so a misbehaving device cannot flood
 * the trail; the count row keeps the principal and names the last target.
 */
export const authorizationRefusals: AggregateRule = {
  group: (e) => (e.kind === "deny" ? `${e.client ?? ""}\u0000${e.user ?? ""}\u0000${e.action}` : undefined),
  summary: (sample, count, minute) => ({
    at: minute + MINUTE - 1,
    kind: "deny",
    action: sample.action,
    result: "fail",
    ...(sample.listener !== undefined ? { listener: sample.listener } : {}),
    ...(sample.client !== undefined ? { client: sample.client } : {}),
    ...(sample.user !== undefined ? { user: sample.user } : {}),
    ...(sample.target !== undefined ? { target: sample.target } : {}),
    reason: `${count} more refusals of ${sample.action} in this minute (not recorded one by one)`,
    detail: JSON.stringify({
      count,
      from: new Date(minute).toISOString(),
      to: new Date(minute + MINUTE).toISOString(),
    }),
  }),
};

/**
 * successful authentications (kind auth, result ok: an HTTP request with a credential, an MQTT
 * CONNECT, a login), grouped by credential, method, listener, address and target, so a key
 * that polls an API does not write a row per request (nor push refusals out of the capped
 * trail); the count row keeps every field of the group.
 */
export const successfulAuthentications: AggregateRule = {
  inFull: 10,
  group: (e) =>
    e.kind === "auth" && e.result === "ok"
      ? `${e.client ?? ""}\u0000${e.user ?? ""}\u0000${e.action}\u0000${e.method ?? ""}\u0000${e.listener ?? ""}\u0000${e.address ?? ""}\u0000${e.target ?? ""}`
      : undefined,
  summary: (sample, count, minute) => ({
    ...sample,
    at: minute + MINUTE - 1,
    reason: `${count} more in this minute (not recorded one by one)`,
    detail: JSON.stringify({
      count,
      from: new Date(minute).toISOString(),
      to: new Date(minute + MINUTE).toISOString(),
    }),
  }),
};

/**
 * A group's key as a number: a keyed 53-bit hash of the rule's string (two 32-bit hashes with
 * seeds drawn at start, so no one outside can make two groups meet). A minute of a connect
 * burst has one group per CONNECT (the target is the client id): a number in a typed array
 * (audit-groups.ts) instead of a key string, a Map entry and a tally each. Two groups
 * meet with a chance of ~n^2 / 2^54 (5e-9 for a minute of 10,000 groups); then they share
 * the in-full allowance, but never a count row: an event whose group's number already counts
 * for another group is recorded in full (the count row names only its own group's events).
 */
function hashOf(seeds: Uint32Array): (g: string) => number {
  const a = seeds[0] as number;
  const b = seeds[1] as number;
  return (g) => Bun.hash.murmur32v3(g, a) * 2 ** 21 + (Bun.hash.xxHash32(g, b) >>> 11);
}

export function createAuditAggregator(
  rules: readonly AggregateRule[],
  inFull: number,
  /** a group's number (tests give one that makes groups meet) */
  hash: (g: string) => number = hashOf(crypto.getRandomValues(new Uint32Array(2))),
): AuditAggregator {
  // minute -> per rule: its groups
  const minutes = new Map<number, AuditGroups<AuditEvent>[]>();
  // a frozen event is one its maker hands in again and again (the HTTP runner's row of a key
  // polling one route): the rule it falls under, its group and that group's number are kept
  const known = new WeakMap<AuditEvent, { rule: number; group: string; key: number }>();
  return {
    admit(e, at) {
      const frozen = Object.isFrozen(e);
      const memo = frozen ? known.get(e) : undefined;
      let i = memo ? memo.rule : -1;
      let g = memo?.group;
      let key = memo ? memo.key : -1;
      if (!memo) {
        for (let j = 0; j < rules.length && i < 0; j++) {
          g = (rules[j] as AggregateRule).group(e);
          if (g !== undefined) {
            i = j;
            key = hash(g);
          }
        }
        if (frozen) known.set(e, { rule: i, group: g ?? "", key });
      }
      if (i >= 0 && g !== undefined) {
        const rule = rules[i] as AggregateRule;
        const minute = at - (at % MINUTE);
        let byRule = minutes.get(minute);
        if (!byRule) minutes.set(minute, (byRule = rules.map(() => new AuditGroups<AuditEvent>())));
        const groups = byRule[i] as AuditGroups<AuditEvent>;
        if (groups.size >= MAX_GROUPS && !groups.has(key)) {
          g = OTHERS;
          key = -1; // never a hash (they are >= 0)
        }
        const t = groups.counting.get(key);
        if (t) {
          if (t.group !== g) return true; // another group on the same number: in full, never in its count
          t.counted++;
          return false;
        }
        const full = groups.fullOf(key);
        if (full < (rule.inFull ?? inFull)) {
          groups.addFull(key);
          return true;
        }
        // any event of a group has the group's fields; "other groups" mix addresses: none kept
        const { address: _mixed, ...rest } = e;
        if (full === 0) groups.addFull(key, 0); // a rule that records none in full: still one group of MAX_GROUPS
        groups.counting.set(key, { group: g, full, counted: 1, sample: g === OTHERS ? rest : e });
        return false;
      }
      return true;
    },
    nextDrain() {
      let first = Number.POSITIVE_INFINITY;
      for (const minute of minutes.keys()) if (minute + MINUTE < first) first = minute + MINUTE;
      return first;
    },
    drain(now) {
      const out: AuditEvent[] = [];
      for (const [minute, byRule] of minutes) {
        if (now !== undefined && minute + MINUTE > now) continue;
        minutes.delete(minute);
        byRule.forEach((groups, i) => {
          for (const t of groups.counting.values())
            out.push((rules[i] as AggregateRule).summary(t.sample, t.counted, minute, t.group));
        });
      }
      return out;
    },
  };
}
