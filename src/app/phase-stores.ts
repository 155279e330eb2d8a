// Start phase 1, stores: the data dir and every file the gateway keeps open (CA, registry,
// people, series store, audit trail), the write path into the store and the query
// processes. Nothing here listens or knows the broker. What a CONNECT reads (the registry)
// opens here; domains, groups, series.db, the table finder and audit.db at openLate(),
// the gate after the first CONNACKs (the audit's events wait in memory until then).
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { httpListeners, mqttListeners, type NeoConfig } from "../config/index.ts";
import { join } from "node:path";
import { lazyStore, openNow } from "../lib/lazy-store.ts";
import { createLogger } from "../lib/log.ts";
import type { Settings } from "../lib/settings.ts";
import { loadOrCreatePki, loadTrustedCas } from "../pki/index.ts";
import { createQueryService, openTableFinder } from "../query/index.ts";
import { openDomains, openGroups, openRegistry } from "../registry/index.ts";
import { useGroupFacts } from "./domain-groups.ts";
import { keepReserve, openSeriesStore, releaseReserve, SERIES_FILE, userTableOf } from "../storage/index.ts";
import { auditOpenedLater, createServerAudit } from "./audit.ts";
import { createCredentialSignal } from "./credential-signal.ts";
import { createExports } from "./exports.ts";
import { startSelfRecord } from "./self-record.ts";
import { countedAudit, createGatewayMetrics, meteredStore } from "./metrics.ts";
import { openPeople } from "./people.ts";
import type { StartTimes } from "./start-times.ts";
import type { StopList } from "./stop-list.ts";
import { startStorageLifecycle, storageOptions } from "./storage-lifecycle.ts";
import { createWriteBatcher } from "./write-batcher.ts";

function ensureDataDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

export type Stores = ReturnType<typeof openStores>;

/**
 * The start's first step: the data dir, the CA and server certificate, the trusted CAs:
 * what the MQTT listeners need, so they listen before the rest of the stores open.
 */
export async function openKeys(settings: Settings<NeoConfig>, times?: StartTimes) {
  const config = settings.get();
  ensureDataDir(config.data);
  // a full disk: the reserve file gives SQLite room for its -shm files, so the gateway
  // starts degraded (routing and reads work, writes are refused until space returns)
  if (releaseReserve(config.data))
    createLogger("storage").warn(
      "the data directory's file system is full: starting degraded (reserve file released); writes are refused until space returns",
    );
  else keepReserve(config.data);
  const pki = await loadOrCreatePki(config.data, {
    hosts: [
      ...new Set([
        config.http.listen.host,
        config.mqtt.listen.host,
        ...mqttListeners(config.mqtt).map((l) => l.listen.host),
        ...httpListeners(config.http).map((l) => l.listen.host),
      ]),
    ],
  });
  times?.lap("pki");
  // client-certificate CAs the operator trusts besides ours (Tls.TrustedCA): read before anything listens
  const trust = config.tls?.trustedCas.length ? await loadTrustedCas(config.tls.trustedCas) : undefined;
  return { pki, trust };
}

export type Keys = Awaited<ReturnType<typeof openKeys>>;

export function openStores(settings: Settings<NeoConfig>, stops: StopList, keys: Keys, times?: StartTimes) {
  const config = settings.get();
  const { pki, trust } = keys;
  const registry = openRegistry(config.data);
  times?.lap("registry.db");
  stops.add("stores", "registry", () => registry.close());
  // the live re-check's change signal: the registry, and the trusted CAs' CRL files
  const changes = createCredentialSignal(registry, trust);
  stops.add("services", "CRL watch", () => changes.stop());
  // domains and groups: what authorize() asks about tables, channels and groups (a PUBLISH, not
  // a key's CONNECT); opened at their first use or at the gate
  const domains = lazyStore(() => openDomains(config.data));
  stops.add("stores", "domains", () => domains.close());
  // SuperMQ groups: authorize() asks which groups hold a channel or client (entity facts)
  const groups = lazyStore(() => openGroups(config.data));
  const unfacts = useGroupFacts(groups, domains);
  stops.add("stores", "groups", () => {
    unfacts();
    groups.close();
  });
  const people = openPeople(config.data, () => settings.get().login);
  stops.add("stores", "users", () => people.close());
  times?.lap("domains, groups, users");

  // counters now; the broker, the guard and the bridges register their figures as they start
  const metrics = createGatewayMetrics();
  const storageLog = createLogger("storage");
  // replication to PostgreSQL: every commit of an exported table also enters its queue (the
  // exports start at the gate, or at the first write before it)
  const exports = createExports(config.exports, config.data);
  metrics.provide({
    exports: () => exports.statuses(),
    // every active key's expiry, for neo_cert_expiry_seconds (read at scrape time)
    certExpiry: () =>
      registry
        .list()
        .filter((r) => r.status === "active")
        .map((r) => ({ client: r.id, notAfter: r.notAfter })),
  });
  stops.add("stores", "exports", () => exports.stop());
  settings.onChange((next) => void exports.replace(next.exports));
  // series.db, its read-only connection and the table finder's open after the first CONNACKs
  // (openLate below, the gate); whatever needs them before opens them then, at its first use
  // (a PUBLISH into a stored topic in the same turns: its write waits for the open, then commits)
  const seriesStore = lazyStore(() =>
    openSeriesStore(config.data, {
      sync: config.storage.sync,
      busyTimeoutMs: config.storage.busyTimeoutMs,
      log: storageLog,
      migrateInBackground: true,
      ...storageOptions(config),
    }),
  );
  const seriesFile = join(config.data, SERIES_FILE);
  times?.lap("exports");
  const store = exports.wrap(meteredStore(seriesStore, metrics));
  stops.add("stores", "series store", () => store.close());
  settings.onChange((next, prev) => {
    if (next.storage.sync !== prev.storage.sync) store.setSync(next.storage.sync);
    const [a, b] = [prev.storage, next.storage];
    if (a.retention !== b.retention || a.maxSize !== b.maxSize || a.whenFull !== b.whenFull)
      store.configureStorage(storageOptions(next));
  });
  const batcher = createWriteBatcher(store);
  stops.add("writes", "write batcher", () => batcher.flush());

  // the read-only connections (query processes, table finder) open series.db after the store
  // made it: a query before the gate opens the store first
  const pool = createQueryService(seriesFile, config.query, createLogger("query"));
  const queries: typeof pool = {
    ...pool,
    run(req, sink, who) {
      openNow(seriesStore);
      return pool.run(req, sink, who);
    },
  };
  stops.add("services", "query processes", () => queries.close()); // a running query is killed, not waited for
  // storage's user tables are views over internal tables: map what SQLite reads back to them
  const finder = lazyStore(() => {
    openNow(seriesStore);
    return openTableFinder(seriesFile, userTableOf);
  });
  stops.add("services", "table finder", () => finder.close());

  // every authentication the trail records is also counted for /metrics and the Overview
  // audit.db opens with the gate too: until then the events wait in memory
  const trail = auditOpenedLater(() =>
    createServerAudit(config.data, config.audit, createLogger("audit"), config.guard.ipv6Prefix),
  );
  const audit = countedAudit(trail, metrics);
  stops.add("stores", "audit trail", () => audit.close());
  times?.lap("query processes, audit queue");
  let lifecycle: ReturnType<typeof startStorageLifecycle> | undefined;
  /**
   * The gate, once the waiting CONNECTs are answered: domains, groups, the series store, the table finder,
   * audit.db and the exports' queues open now (a failed open throws: the start fails as it did when they opened first),
   * then the retention and rollup jobs start.
   */
  const openLate = () => {
    for (const s of [domains, groups, seriesStore, finder]) openNow(s);
    trail.open();
    exports.open();
    lifecycle = startStorageLifecycle(store, storageLog, () => keepReserve(config.data));
    const started = lifecycle;
    stops.add("writes", "retention", () => started.stop());
  };
  // the gateway's own figures every 10 s into NEO_SYSTEM (the console's history); not counted as
  // users' rows. The first reading (a commit) is taken once the waiting CONNECTs are answered.
  const recordOwnFigures = () => {
    const recorder = startSelfRecord({
      store: seriesStore,
      snapshot: () => metrics.snapshot(),
      dataDir: config.data,
      warn: (m, e) => storageLog.warn(`${m}: ${e instanceof Error ? e.message : String(e)}`),
    });
    stops.add("writes", "own figures", () => recorder.stop());
  };
  return {
    pki,
    trust,
    registry,
    changes,
    domains,
    groups,
    people,
    metrics,
    store,
    batcher,
    queries,
    finder,
    audit,
    exports,
    openLate,
    /** old-layout tables move to the compact layout (after openLate) */
    startMigration: () => lifecycle?.startMigration(),
    recordOwnFigures,
  };
}
