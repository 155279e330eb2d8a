// Wires the `Bridge "name"` blocks to the broker: local publishes that match a bridge's
// Forward filters enter its queue before the publisher's PUBACK; messages from the
// upstream are published locally if the bridge principal's scopes allow the topic: the
// principal is current({kind:"bridge", name}), its Scopes as the settings hold them now.
// Messages the app publishes (these included) never pass onPublish, so what came
// from an upstream is not forwarded back up.
import type { BridgeConfig } from "../config/index.ts";
import type { AppPublish, ClientRef, InboundPublish, PublishOutcome } from "../mqtt/index.ts";
import { RC, topicMatches } from "../mqtt/index.ts";
import { authorize, makePrincipal, type Auth } from "../auth/index.ts";
import { createBridge, type Bridge, type BridgeStatus, type OfferResult } from "../bridge/index.ts";
import { createLogger } from "../lib/log.ts";
import { NeoError } from "../lib/errors.ts";
import { staggeredInterval } from "../lib/staggered.ts";

export interface BridgeSet {
  /** queue the message in every bridge that forwards its topic; undefined when none does */
  onPublish(client: ClientRef, msg: InboundPublish): Promise<PublishOutcome> | undefined;
  statuses(): BridgeStatus[];
  /** $SYS/neo/bridge/<name>/... topics and values */
  sys(): [string, string][];
  stop(): Promise<void>;
}

/** The scopes a bridge's messages from upstream get: its Scopes, or publish on what it subscribes to. */
export function bridgeScopes(b: BridgeConfig): string[] {
  if (b.scopes.length > 0) return b.scopes;
  return b.subscribe.map((f) => `topics:publish:${b.prefix && f.startsWith(b.prefix) ? f.slice(b.prefix.length) : f}`);
}

/** Check every bridge's scopes; the problems as config lines (empty when all are fine). */
function checkBridgeScopes(bridges: BridgeConfig[]): string[] {
  const out: string[] = [];
  for (const b of bridges) {
    try {
      makePrincipal(`bridge:${b.name}`, "client", bridgeScopes(b));
    } catch (e) {
      out.push(`Bridge "${b.name}".Scopes: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

interface BridgeSetOptions {
  dataDir: string;
  publish(m: AppPublish): void;
  /** the one live re-check: a bridge's rights now ({kind:"bridge", name}) */
  current: Auth["current"];
}

function startBridges(opts: BridgeSetOptions & { bridges: BridgeConfig[] }): BridgeSet {
  const publishSys = () => {
    for (const [topic, payload] of set.sys()) opts.publish({ topic, payload, retain: true });
  };
  const problems = checkBridgeScopes(opts.bridges);
  if (problems.length > 0) throw new NeoError("config_invalid", problems.join("\n"), 400);
  const list: { cfg: BridgeConfig; bridge: Bridge }[] = opts.bridges.map((cfg) => {
    const ref = { kind: "bridge", name: cfg.name } as const;
    const bridge = createBridge({
      settings: cfg,
      dataDir: opts.dataDir,
      log: createLogger("bridge"),
      onStateChange: () => queueMicrotask(publishSys),
      deliver: (m) => {
        const now = opts.current(ref); // a removed bridge or changed Scopes is seen here
        if (!now.ok) return { ok: false, reason: now.reason };
        const d = authorize(now.principal, "topics:publish", m.topic);
        if (!d.allow) return { ok: false, reason: d.reason };
        opts.publish(m);
        return { ok: true };
      },
    });
    return { cfg, bridge };
  });
  const sysTimer = staggeredInterval(publishSys, 10_000);

  const outcome = (results: OfferResult[]): PublishOutcome =>
    results.includes("refused") ? { handled: false, reasonCode: RC.quotaExceeded } : { handled: false };

  const set: BridgeSet = {
    onPublish(_client, msg) {
      let pending: Promise<OfferResult>[] | undefined;
      for (const { cfg, bridge } of list) {
        if (!cfg.forward.some((f) => topicMatches(f, msg.topic))) continue;
        const out = {
          topic: msg.topic,
          payload: msg.payload,
          qos: (msg.qos > 0 ? 1 : 0) as 0 | 1,
          retain: msg.retain,
          ...(msg.properties &&
          (msg.properties.userProperties ||
            msg.properties.contentType ||
            msg.properties.payloadFormatIndicator !== undefined)
            ? {
                properties: {
                  ...(msg.properties.userProperties ? { userProperties: msg.properties.userProperties } : {}),
                  ...(msg.properties.contentType ? { contentType: msg.properties.contentType } : {}),
                  ...(msg.properties.payloadFormatIndicator !== undefined
                    ? { payloadFormatIndicator: msg.properties.payloadFormatIndicator }
                    : {}),
                },
              }
            : {}),
        };
        (pending ??= []).push(bridge.forward(out));
      }
      if (!pending) return undefined;
      // QoS 0 publishers get no acknowledgement: queue without holding anything up
      if (msg.qos === 0) {
        Promise.all(pending).catch(() => {});
        return undefined;
      }
      return Promise.all(pending).then(outcome, () => ({ handled: false, reasonCode: RC.unspecifiedError }));
    },
    statuses: () => list.map((b) => b.bridge.status()),
    sys() {
      const out: [string, string][] = [];
      for (const { bridge } of list) {
        const s = bridge.status();
        const base = `$SYS/neo/bridge/${s.name}`;
        out.push(
          [`${base}/connected`, s.connected ? "1" : "0"],
          [`${base}/queued/messages`, String(s.queuedMessages)],
          [`${base}/queued/bytes`, String(s.queuedBytes)],
          [`${base}/queued/oldest_age_seconds`, s.oldestAgeSeconds === null ? "0" : s.oldestAgeSeconds.toFixed(0)],
          [`${base}/sent/total`, String(s.sentTotal)],
          [`${base}/sent/per_second`, s.sentPerSecond.toFixed(1)],
          [`${base}/dropped`, String(s.dropped)],
          [`${base}/received`, String(s.receivedFromUpstream)],
          [`${base}/denied`, String(s.deniedFromUpstream)],
        );
      }
      return out;
    },
    async stop() {
      sysTimer.stop();
      await Promise.all(list.map((b) => b.bridge.stop()));
    },
  };
  for (const b of list) b.bridge.start();
  return set;
}

/**
 * The running bridges as one handle that outlives reloads: a changed Bridge list stops
 * the old set and starts the new one (the queues are files: nothing is lost).
 */
export function createBridges(opts: BridgeSetOptions & { bridges?: BridgeConfig[] }) {
  const start = (list: BridgeConfig[] | undefined) =>
    list?.length
      ? startBridges({ dataDir: opts.dataDir, publish: opts.publish, current: opts.current, bridges: list })
      : undefined;
  let running = start(opts.bridges);
  return {
    onPublish: (c: ClientRef, msg: InboundPublish) => running?.onPublish(c, msg),
    statuses: () => running?.statuses() ?? [],
    /** apply a changed list; returns why it was refused (the old bridges then run on) */
    async replace(list: BridgeConfig[] | undefined): Promise<string | undefined> {
      const bad = checkBridgeScopes(list ?? []);
      if (bad.length > 0) return bad.join("; ");
      await running?.stop();
      running = start(list);
      return undefined;
    },
    stop: () => running?.stop(),
  };
}

/** Combine two onPublish results: handled if either handled it, the worse reason code wins. */
export function combineOutcomes(
  a: Promise<PublishOutcome> | PublishOutcome,
  b: Promise<PublishOutcome> | undefined,
): Promise<PublishOutcome> | PublishOutcome {
  if (!b) return a;
  return Promise.all([a, b]).then(([x, y]) => mergeOutcomes(x, y));
}

/** (module level: a closure in combineOutcomes made every publish allocate its scope, bridged or not) */
function mergeOutcomes(x: PublishOutcome, y: PublishOutcome): PublishOutcome {
  const rc = Math.max(x.reasonCode ?? 0, y.reasonCode ?? 0);
  const also = x.also ?? y.also; // a channel's other topic spellings stay
  return {
    handled: x.handled || y.handled,
    ...(rc > 0 ? { reasonCode: rc } : {}),
    ...(also ? { also } : {}),
  };
}
