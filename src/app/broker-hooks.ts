// What the gateway answers the broker's hooks with (the contract is mqtt/hooks.ts):
//   authenticate: banned address? -> the console's watch-only session, or mqttAuth ->
//                 audit (which also counts for /metrics), refusal log, brute-force count;
//   authorize publish/subscribe/deliver: the console's Live page only watches, within its
//                 web user's topics:subscribe scopes; channel topics: the channel's connections decide;
//                 every other topic: the key's scopes (mqtt-authz.ts);
//   onPublish:    channel SenML, db/write topics and bridged topics, all before the PUBACK.
import type { LogAggregator } from "../lib/log-aggregate.ts";
import { hasControl } from "../lib/safe-text.ts";
import { type BrokerHooks, type ClientRef, type ConnectRequest, RC } from "../mqtt/index.ts";
import type { AuditLog } from "../registry/index.ts";
import type { Guard } from "../auth/index.ts";
import { auditConnect, auditConsoleConnect, auditMqttRefusal } from "./audit.ts";
import { type BridgeSet, combineOutcomes } from "./bridges.ts";
import type { createChannelMqtt } from "./channel-mqtt.ts";
import { parseChannelTopic } from "./channel-messages.ts";
import { consoleConnect, consoleMay, isConsoleSession } from "./console.ts";
import type { createDataTopics } from "./data-topics.ts";
import { type createMqttAuthenticator, isGuess, type SessionCredential } from "./mqtt-auth.ts";
import type { MqttAuthorizer } from "./mqtt-authz.ts";

export interface HookDeps {
  authz: MqttAuthorizer;
  mqttAuth: ReturnType<typeof createMqttAuthenticator>;
  guard: Pick<Guard, "check" | "failed" | "refused">;
  audit: AuditLog;
  /** refused CONNECTs: a few per address in full, then one count per address and minute */
  refusals: LogAggregator;
  channelMqtt: ReturnType<typeof createChannelMqtt>;
  dataTopics: ReturnType<typeof createDataTopics>;
  /** the running bridges (a reload replaces them behind this handle) */
  bridges: Pick<BridgeSet, "onPublish">;
  /** the web user of a console session token */
  sessionUser: Parameters<typeof consoleConnect>[1];
  /** who holds a session id now */
  sessionOwner: (clientId: string) => string | undefined;
  onConnect: () => void;
}

export function createBrokerHooks(d: HookDeps): BrokerHooks {
  const { authz, channelMqtt } = d;
  // channel rights: a user's session (a PAT) acts as its own principal (its scopes within
  // its owner's rights, kept current by authz); a client key's by its id (the channel cache)
  const asker = (c: ClientRef | null, owner: string | undefined) =>
    c !== null && (c.meta as SessionCredential | undefined)?.principal?.kind === "user" ? authz.principalOf(c) : owner;
  /** a refusal goes to the audit trail (the person's name for a PAT or console session) */
  const refused = (c: ClientRef, op: "topics:publish" | "topics:subscribe", target: string) => {
    const who = isConsoleSession(c.meta) ? c.meta.user : (c.meta as SessionCredential | undefined)?.principal;
    const user = typeof who === "string" ? who : who?.kind === "user" ? who.id : undefined;
    auditMqttRefusal(d.audit, c, op, target, user);
    return false;
  };
  return {
    authenticate: (req) => authenticate(d, req),
    authorizePublish: (c, topic) =>
      (!isConsoleSession(c.meta) && (channelMqtt.mayPublish(asker(c, c.identity), topic) ?? authz.publish(c, topic))) ||
      refused(c, "topics:publish", topic),
    authorizeSubscribe: (c, filter) =>
      (isConsoleSession(c.meta)
        ? consoleMay(c.meta, filter)
        : (channelMqtt.maySubscribe(asker(c, c.identity), filter) ?? authz.subscribe(c, filter))) ||
      refused(c, "topics:subscribe", filter),
    authorizeDeliver: (t, topic) =>
      isConsoleSession(t.client?.meta)
        ? consoleMay(t.client.meta, topic)
        : parseChannelTopic(topic)
          ? channelMqtt.mayDeliver(asker(t.client, t.owner), topic)
          : authz.deliver(t, topic),
    onPublish: (c, msg) => {
      // a channel message is offered to a bridge only once it was accepted (not invalid SenML)
      const channel = channelMqtt.onPublish(c, msg);
      if (channel) return channel.then((o) => (o.handled ? o : combineOutcomes(o, d.bridges.onPublish(c, msg))));
      return combineOutcomes(d.dataTopics.onPublish(c, msg), d.bridges.onPublish(c, msg));
    },
    onConnect: d.onConnect,
  };
}

function authenticate(d: HookDeps, req: ConnectRequest) {
  // a banned address is refused before any credential is looked at (the audit trail
  // aggregates these per address and minute)
  const banned = d.guard.check(req.peer.remoteAddress);
  if (!banned.ok) {
    const reason = `address banned for ${banned.retryAfterSec}s more`;
    auditConnect(d.audit, req, { ok: false, reason });
    return { ok: false as const, reasonCode: RC.connectionRateExceeded, reason };
  }
  // MQTT 1.5.4: control characters in a string MAY be treated as malformed; in a client
  // id they only serve to forge lines on an operator's terminal, so they are refused
  if (hasControl(req.clientId)) {
    const reason = "client id contains control characters";
    auditConnect(d.audit, req, { ok: false, reason });
    d.guard.refused(req.peer.remoteAddress);
    return { ok: false as const, reasonCode: RC.clientIdentifierNotValid, reason };
  }
  // the console's Live page: a web session over WebSocket (watch only)
  const viaConsole = consoleConnect(req, d.sessionUser, d.sessionOwner);
  const r = viaConsole
    ? viaConsole.ok
      ? { ok: true as const, meta: viaConsole.meta }
      : { ok: false as const, reasonCode: RC.notAuthorized, reason: viaConsole.reason }
    : d.mqttAuth.authenticate(req);
  // the audit trail also counts every outcome for /metrics (metrics.ts countedAudit)
  if (viaConsole) auditConsoleConnect(d.audit, req, r);
  else auditConnect(d.audit, req, r);
  if (!r.ok) {
    d.refusals.warn(
      req.peer.remoteAddress,
      `CONNECT refused for "${req.clientId}" from ${req.peer.remoteAddress}: ${r.reason}`,
    );
    if (isGuess(r)) d.guard.failed(req.peer.remoteAddress);
    // no guess, but a flood of refusals (no credential, expired, bad client id) bans too
    else if (r.reasonCode !== RC.serverUnavailable) d.guard.refused(req.peer.remoteAddress);
  }
  return r;
}
