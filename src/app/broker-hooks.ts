// What the gateway answers the broker's hooks with (the contract is mqtt/hooks.ts):
//   authenticate: banned address? -> mqttAuth (identify(): every credential form, the
//                 console's web session included) -> audit (which also counts for /metrics),
//                 refusal log, brute-force count (a refusal of kind `guess`);
//   authorize publish/subscribe/deliver: channel topics: the channel's connections decide;
//                 every other topic: the session's scopes now (mqtt-authz.ts; the console only watches);
//   onPublish:    channel SenML, db/write topics and bridged topics, all before the PUBACK.
import type { LogAggregator } from "../lib/log-aggregate.ts";
import { hasControl } from "../lib/safe-text.ts";
import {
  type BrokerHooks,
  type ClientRef,
  type ConnectRequest,
  type InboundPublish,
  type PublishOutcome,
  RC,
} from "../mqtt/index.ts";
import type { AuditLog } from "../registry/index.ts";
import { type Guard, principalName } from "../auth/index.ts";
import { auditConnect, auditMqttRefusal } from "./audit.ts";
import { type BridgeSet, combineOutcomes } from "./bridges.ts";
import type { ChannelMqtt } from "../channels/index.ts";
import type { createDataTopics } from "./data-topics.ts";
import {
  type createMqttAuthenticator,
  credentialOf,
  isConsole,
  type MqttRefusal,
  type NeoClient,
  type SessionCredential,
} from "./mqtt-auth.ts";
import type { MqttAuthorizer } from "./mqtt-authz.ts";

export interface HookDeps {
  authz: MqttAuthorizer;
  mqttAuth: ReturnType<typeof createMqttAuthenticator>;
  guard: Pick<Guard, "check" | "failed" | "refused">;
  audit: AuditLog;
  /** refused CONNECTs: a few per address in full, then one count per address and minute */
  refusals: LogAggregator;
  channelMqtt: ChannelMqtt;
  dataTopics: ReturnType<typeof createDataTopics>;
  /** the running bridges (a reload replaces them behind this handle) */
  bridges: Pick<BridgeSet, "onPublish">;
  /** does a session with this client id exist (connected or offline)? */
  sessionExists(clientId: string): boolean;
  onConnect: (c: NeoClient) => void;
}

export function createBrokerHooks(d: HookDeps): BrokerHooks<SessionCredential> {
  const { authz, channelMqtt } = d;
  // channel rights are the session's credential's (kept current by authz); the console only watches
  const ref = (c: NeoClient) => authz.refOf({ client: c, owner: c.identity, clientId: c.id });
  /** a refusal goes to the audit trail (the person's name for a PAT, access key or console session) */
  const refused = (c: NeoClient, op: "topics:publish" | "topics:subscribe", target: string) => {
    const p = credentialOf(c)?.principal;
    auditMqttRefusal(d.audit, c, op, target, p?.kind === "user" ? principalName(p) : undefined);
    return false;
  };
  return {
    authenticate: (req) => authenticate(d, req),
    authorizePublish: (c, topic) =>
      (!isConsole(credentialOf(c)) && (channelMqtt.mayPublish(() => ref(c), topic) ?? authz.publish(c, topic))) ||
      refused(c, "topics:publish", topic),
    authorizeSubscribe: (c, filter) =>
      (isConsole(credentialOf(c))
        ? authz.subscribe(c, filter)
        : (channelMqtt.maySubscribe(ref(c), filter) ?? authz.subscribe(c, filter))) ||
      refused(c, "topics:subscribe", filter),
    authorizeDeliver: (t, topic) =>
      (isConsole(credentialOf(t.client)) ? undefined : channelMqtt.mayDeliver(() => authz.refOf(t), topic)) ??
      authz.deliver(t, topic),
    // the broker keeps these answers per session until a change (authz.onChange, channel
    // rights: phase-services) or the credential's expiry
    decisionsUntil: (t) => authz.until(t),
    onPublish: (c, msg) => {
      // a channel message is offered to a bridge only once it was accepted (not invalid SenML)
      const channel = channelMqtt.onPublish(c, msg);
      if (channel) return afterChannel(channel, d.bridges, c, msg);
      return combineOutcomes(d.dataTopics.onPublish(c, msg), d.bridges.onPublish(c, msg));
    },
    onConnect: d.onConnect,
  };
}

/**
 * A channel message is offered to a bridge only once the channel accepted it (not invalid
 * SenML). Apart from onPublish (every publish): a closure there would make each call allocate its scope.
 */
function afterChannel(
  channel: Promise<PublishOutcome>,
  bridges: HookDeps["bridges"],
  c: ClientRef<SessionCredential>,
  msg: InboundPublish,
): Promise<PublishOutcome> {
  return channel.then((o) => (o.handled ? o : combineOutcomes(o, bridges.onPublish(c, msg))));
}

function authenticate(d: HookDeps, req: ConnectRequest) {
  // a banned address is refused before any credential is looked at (the audit trail
  // aggregates these per address and minute)
  const banned = d.guard.check(req.peer.remoteAddress);
  if (!banned.ok) {
    const reason = `address banned for ${banned.retryAfterSec}s more`;
    const r: MqttRefusal = { ok: false, kind: "banned", reasonCode: RC.connectionRateExceeded, reason };
    auditConnect(d.audit, req, r);
    return r;
  }
  // MQTT 1.5.4: control characters in a string MAY be treated as malformed; in a client
  // id they only serve to forge lines on an operator's terminal, so they are refused
  if (hasControl(req.clientId)) {
    const reason = "client id contains control characters";
    const refused: MqttRefusal = { ok: false, kind: "client_id", reasonCode: RC.clientIdentifierNotValid, reason };
    auditConnect(d.audit, req, refused);
    d.guard.refused(req.peer.remoteAddress);
    return refused;
  }
  let r = d.mqttAuth.authenticate(req);
  // the console watches with a session of its own: never one another client holds
  if (r.ok && isConsole(credentialOf(r)) && d.sessionExists(req.clientId))
    r = {
      ok: false,
      kind: "client_id",
      reasonCode: RC.notAuthorized,
      reason: `client id "${req.clientId}" holds another client's session`,
      form: "session",
    };
  // the audit trail also counts every outcome for /metrics (metrics.ts countedAudit)
  auditConnect(d.audit, req, r);
  if (!r.ok) {
    d.refusals.warn(
      req.peer.remoteAddress,
      `CONNECT refused for "${req.clientId}" from ${req.peer.remoteAddress}: ${r.reason}`,
    );
    if (r.kind === "guess") d.guard.failed(req.peer.remoteAddress);
    // no guess, but a flood of refusals (no credential, expired, bad client id) bans too
    else if (r.reasonCode !== RC.serverUnavailable) d.guard.refused(req.peer.remoteAddress);
  }
  return r;
}
