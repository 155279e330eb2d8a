// Start phase 4, services: what answers the broker (channels, db/ topics, bridges), the
// live re-check of sessions, and the broker's hooks, installed last (Broker.setHooks).
// Everything here gets the broker itself; nothing refers to a part not made yet.
import { watchExpiry } from "./expiry-watch.ts";
import type { NeoBroker } from "./mqtt-auth.ts";
import { dropEntityFacts, shareKey } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import { createLogAggregator } from "../lib/log-aggregate.ts";
import type { Settings } from "../lib/settings.ts";
import { createBridges } from "./bridges.ts";
import { createBrokerHooks } from "./broker-hooks.ts";
import { wireChannels } from "./channels-wiring.ts";
import { createCoapService } from "./coap-wiring.ts";
import { coapFigures } from "./metrics.ts";
import { createDataTopics } from "./data-topics.ts";
import { createMemorySettler } from "./memory-settle.ts";
import type { Door } from "./phase-door.ts";
import type { Stores } from "./phase-stores.ts";
import { startSessionRecheck } from "./session-recheck.ts";
import { staggeredInterval } from "../lib/staggered.ts";
import type { StopList } from "./stop-list.ts";

export type Services = Awaited<ReturnType<typeof startServices>>;

export async function startServices(
  settings: Settings<NeoConfig>,
  s: Stores,
  door: Door,
  broker: NeoBroker,
  stops: StopList,
) {
  const log = createLogger("neosvr");
  const { registry, audit } = s;
  const { authz, serverGuard } = door;
  const settle = createMemorySettler({ log });
  stops.add("services", "memory settler", () => settle.stop());
  // keys expiring within Tls.ExpiryWarning: a log warning and an audit row, once each
  const expiry = watchExpiry({
    registry: s.registry,
    audit: s.audit,
    config: () => settings.get(),
    log: createLogger("keys"),
  });
  stops.add("services", "expiry watch", () => expiry.stop());
  // refused payloads, failed writes, db/query errors: a few per client in full, then a count a minute
  const messageRefusals = createLogAggregator(createLogger("mqtt"), "refused or failed MQTT messages");
  stops.add("services", "message refusal counts", () => messageRefusals.stop()); // the last minute's counts
  // refused CONNECTs: a few per address in full, then one count per address and minute
  const connectRefusals = createLogAggregator(createLogger("mqtt"), "refused MQTT CONNECTs");
  stops.add("services", "connect refusal counts", () => connectRefusals.stop());

  const ch = wireChannels({
    settings,
    registry,
    changes: s.changes,
    domains: s.domains,
    batcher: s.batcher,
    auth: door.auth,
    audit,
    broker,
    refusals: messageRefusals,
    queries: s.queries,
  });
  stops.add("stores", "channels", () => ch.channels.close());
  stops.add("links", "channel sockets", () => ch.adapters.sockets.closeAll());
  const dataTopics = createDataTopics({
    refusals: messageRefusals,
    store: s.store,
    queries: s.queries,
    readCheck: (c, sql) => {
      const p = authz.principalOf(c);
      return p ? door.readCheck(p, sql) : { ok: false, status: 403, reason: "this credential is no longer usable" };
    },
    shareOf: (c) => {
      const p = authz.principalOf(c);
      return p ? shareKey(p, c.peer.remoteAddress) : `dead:${c.id}`;
    },
    batcher: s.batcher,
    answerRoom: (c) => {
      const q = settings.get().query;
      const o = broker.outboundBytes(c.identity, c.id);
      const MiB = (n: number) => `${Math.round(n / 1048576)} MiB`;
      if (o.total >= q.answerBudget)
        return `too many answers waiting to be read by MQTT clients (${MiB(o.total)}, Query.AnswerBudget ${MiB(q.answerBudget)}); try again`;
      if (o.mine >= q.answerBudgetPerClient)
        return `your earlier answers are not read yet (${MiB(o.mine)}, Query.AnswerBudgetPerClient ${MiB(q.answerBudgetPerClient)})`;
      return undefined;
    },
    replyTo: (id, m) => broker.publishTo(id, { topic: m.topic, payload: m.payload, qos: 1, properties: m.properties }),
    log: createLogger("mqtt"),
  });
  const bridges = createBridges({
    dataDir: settings.get().data,
    publish: (m) => broker.publish(m),
    current: door.auth.current,
    ...(settings.get().bridges ? { bridges: settings.get().bridges } : {}),
  });
  stops.add("links", "bridges", () => bridges.stop()); // after the broker: nothing is offered to a closed queue
  s.metrics.provide({ bridges: () => bridges.statuses() });
  // the exports' state as retained $SYS/neo/export/<name>/... topics, every 10 s (the first
  // once the gate started them: gateway.ts)
  const publishExportSys = () => {
    for (const [topic, payload] of s.exports.sys()) broker.publish({ topic, payload, retain: true });
  };
  const exportSys = staggeredInterval(publishExportSys, 10_000);
  stops.add("services", "export $SYS", () => exportSys.stop());

  // CoAP (made here: the re-check and the metrics need it; it listens with the listeners)
  const coap = await createCoapService({
    config: settings.get(),
    auth: door.auth,
    guard: door.guard,
    audit,
    ch,
    registry,
  });
  if (coap) {
    stops.add("accept", "CoAP listeners", () => coap.stop());
    s.metrics.provide({ coap: () => coapFigures(coap.figures()) });
  }

  // live revocation: every session's credential asked current() again when the registry
  // changed (deleted, revoked, rotated, expired keys and PATs, demoted users, ended web sessions)
  const recheck = startSessionRecheck({
    broker,
    authz,
    registry: s.changes,
    log,
    // groups, members or a channel's status may have changed (any process): authorize() asks again
    onRegistryChange: dropEntityFacts,
    onTick: (changed) => {
      // bans, channels and keys share registry.db: another process's ban or channel change
      // moves the registry's version too (nothing to read again while it stands still)
      if (changed) serverGuard.sync();
      // channel rights re-checked: CoAP observations too (the same rule as channel sockets),
      // and the broker's kept answers dropped
      if (ch.tick(changed)) {
        broker.decisionsChanged();
        coap?.revalidate();
      }
    },
  });
  stops.add("services", "session re-check", () => recheck.stop());

  authz.onChange(() => broker.decisionsChanged());
  broker.setHooks(
    createBrokerHooks({
      authz,
      mqttAuth: door.mqttAuth,
      guard: door.guard,
      audit,
      refusals: connectRefusals,
      channelMqtt: ch.mqtt,
      dataTopics,
      bridges,
      sessionExists: (id) => broker.session(id) !== undefined,
      onConnect: (c) => {
        settle.noteConnect();
        recheck.connected(c);
      },
    }),
  );
  return { ch, bridges, coap, publishExportSys };
}
