// Inbound PUBLISH: alias resolution, validation, authorization, the app's onPublish
// hook, then routing and the acknowledgement. Hooks may be async: several publishes
// are in flight at once, but routing and acks happen strictly in arrival order.
import type { IPublishPacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import type { InboundPublish, PublishOutcome } from "../hooks.ts";
import type { Message, PublishProperties } from "../types.ts";
import { RC } from "../codes.ts";
import { isValidTopicName } from "../topics.ts";
import { ingestSpellings } from "../spellings.ts";
import { ownLimits } from "../client-limits.ts";
import { sendAck } from "../outbound.ts";
import { SERVER_RECEIVE_MAXIMUM, SERVER_TOPIC_ALIAS_MAXIMUM } from "./connect.ts";

export interface PendingPublish {
  pid: number;
  qos: 0 | 1 | 2;
  msg: Message | null;
  /** "dup": a QoS 2 resend of an id we already hold: only PUBREC again */
  kind: "route" | "denied" | "dup";
  outcome: PublishOutcome | null;
  settled: boolean;
}

/** shared and empty, never written (frozen): no publish awaits the app (every idle connection) */
export const NO_PENDING: PendingPublish[] = Object.freeze([]) as unknown as PendingPublish[];

/** a publish now awaits the app's onPublish (finished in arrival order, inbound-order.ts) */
function awaitPublish(c: Connection, p: PendingPublish): void {
  if (c.pendingPubs === NO_PENDING) c.pendingPubs = [];
  c.pendingPubs.push(p);
}

export function startPublish(c: Connection, p: IPublishPacket): void {
  const core = c.core;
  const client = c.client;
  const session = c.session;
  if (!client || !session) return c.close();
  core.stats.messagesIn++;
  c.messagesIn++;
  const pid = p.messageId ?? 0;
  let topic = p.topic;

  if (c.version === 5) {
    const alias = p.properties?.topicAlias;
    if (alias !== undefined) {
      if (alias === 0 || alias > SERVER_TOPIC_ALIAS_MAXIMUM) return c.protocolClose(RC.topicAliasInvalid); // [MQTT-3.3.2-9]
      if (topic === "") {
        const known = c.limits.aliases?.get(alias);
        if (known === undefined) return c.protocolClose(RC.protocolError); // unknown alias: Protocol Error (v5 §3.3.2.3.4)
        topic = known;
      } else {
        (ownLimits(c).aliases ??= new Map()).set(alias, topic);
      }
    }
  }
  if (!isValidTopicName(topic)) return c.protocolClose(RC.topicNameInvalid); // [MQTT-3.3.2-2]

  // no PendingPublish is made for a publish finished at once (most): only one that must wait
  const qos = p.qos;
  if (qos > 0) {
    if (qos === 2 && session.inboundQos2.has(pid)) {
      return queueOrFinish(c, pid, qos, "dup", null, null); // [MQTT-4.3.3-10] already received: do not deliver twice
    }
    if (c.inboundPending >= SERVER_RECEIVE_MAXIMUM && c.version === 5)
      return c.protocolClose(RC.receiveMaximumExceeded); // [MQTT-3.3.4-9]
    c.inboundPending++;
    if (qos === 2) session.addInboundQos2(pid);
  }

  if (!core.decisions.mayPublish(session, client, topic, core.hooks)) {
    return queueOrFinish(c, pid, qos, "denied", null, null);
  }

  const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload);
  const msg: Message = { topic, payload, qos, retain: p.retain, origin: c.clientId };
  if (c.version === 5 && p.properties) {
    const { topicAlias: _a, subscriptionIdentifier: _s, ...rest } = p.properties;
    if (Object.keys(rest).length > 0) msg.properties = rest as PublishProperties;
    if (rest.messageExpiryInterval !== undefined) msg.expiresAt = Date.now() + rest.messageExpiryInterval * 1000;
  }

  const onPublish = core.hooks.onPublish;
  if (!onPublish) return queueOrFinish(c, pid, qos, "route", msg, null);
  // the message itself is what the hook sees (no copy per publish); hooks only read it
  const inbound: InboundPublish = msg;
  let r: Promise<PublishOutcome> | PublishOutcome;
  try {
    r = onPublish(client, inbound);
  } catch (e) {
    core.log.error(`onPublish failed for ${topic}`, e);
    r = { handled: true, reasonCode: RC.unspecifiedError };
  }
  if (!(r instanceof Promise)) return queueOrFinish(c, pid, qos, "route", msg, r);
  awaitHook(c, pid, qos, msg, r);
}

/**
 * The app's onPublish answered with a promise: the publish waits for it, in arrival order.
 * Apart from startPublish (every publish): a closure there would make each call allocate its scope.
 */
function awaitHook(c: Connection, pid: number, qos: 0 | 1 | 2, msg: Message, r: Promise<PublishOutcome>): void {
  const core = c.core;
  const topic = msg.topic;
  const entry: PendingPublish = { pid, qos, msg, kind: "route", outcome: null, settled: false };
  awaitPublish(c, entry);
  r.then(
    (o) => {
      entry.outcome = o;
    },
    (e: unknown) => {
      core.log.error(`onPublish failed for ${topic}`, e);
      entry.outcome = { handled: true, reasonCode: RC.unspecifiedError };
    },
  ).finally(() => {
    entry.settled = true;
    c.publishSettled();
  });
}

function queueOrFinish(
  c: Connection,
  pid: number,
  qos: 0 | 1 | 2,
  kind: PendingPublish["kind"],
  msg: Message | null,
  outcome: PublishOutcome | null,
): void {
  if (c.pendingPubs.length > 0) awaitPublish(c, { pid, qos, msg, kind, outcome, settled: true });
  else finish(c, pid, qos, kind, msg, outcome);
}

/** Route (unless the app handled it or it was denied) and acknowledge. */
export function finishPublish(c: Connection, e: PendingPublish): void {
  finish(c, e.pid, e.qos, e.kind, e.msg, e.outcome);
}

function finish(
  c: Connection,
  pid: number,
  qos: 0 | 1 | 2,
  kind: PendingPublish["kind"],
  m: Message | null,
  o: PublishOutcome | null,
): void {
  let reason: number = RC.success;
  if (kind === "denied") {
    // v5 tells the publisher; v3.1.1 acks as usual and drops the message
    if (c.version === 5) reason = RC.notAuthorized;
  } else if (kind === "route" && m) {
    if (o?.reasonCode !== undefined) reason = o.reasonCode;
    if (!o?.handled) {
      const owner = c.client?.identity ?? c.clientId;
      if (m.retain && !c.core.retained.admits(m, owner)) {
        // over Mqtt.MaxRetained*: v5 with an ack is told (0x97) and nothing is delivered;
        // otherwise the message is delivered but not kept
        c.core.stats.retainedRefused++;
        if (c.version === 5 && qos > 0) reason = RC.quotaExceeded;
        else if (o?.also) ingestSpellings(c.core, { ...m, retain: false }, owner, o.also);
        else c.core.route(m);
      } else if (o?.also) ingestSpellings(c.core, m, owner, o.also);
      else c.core.ingest(m, owner);
    }
    if (o?.disconnect && qos > 0) {
      // no ack: the id is free again, so the client's resend is stored, not taken for a duplicate
      if (qos === 2) c.session?.releaseInboundQos2(pid);
      c.inboundPending = Math.max(0, c.inboundPending - 1);
      if (c.state !== "closed") c.close();
      return;
    }
  }
  if (c.state === "closed") return;
  if (qos === 1) {
    c.inboundPending = Math.max(0, c.inboundPending - 1);
    if (c.version === 5 && reason !== 0) c.sendPacket({ cmd: "puback", messageId: pid, reasonCode: reason });
    else sendAck(c, 0x40, pid);
  } else if (qos === 2) {
    if (reason >= 0x80) {
      // a failed PUBREC ends the exchange: release the id now
      c.session?.releaseInboundQos2(pid);
      if (kind !== "dup") c.inboundPending = Math.max(0, c.inboundPending - 1);
    }
    c.sendPacket(
      c.version === 5 && reason !== 0
        ? { cmd: "pubrec", messageId: pid, reasonCode: reason }
        : { cmd: "pubrec", messageId: pid },
    );
  }
}
