// The composition root: the gateway starts in phases, each returning the handles the next
// ones take (keys -> the broker and its MQTT listeners, accepting at once -> stores -> door
// -> broker state -> services, whose hooks let the waiting CONNECTs in -> the gate: the
// stores a CONNECT does not need -> the other listeners), and each adds its steps
// to one ordered stop list (stop-list.ts). Reloadable settings are one value that a reload
// replaces and announces (lib/settings.ts); nothing changes the config in place.
import type { NeoConfig } from "../config/index.ts";
import { createLogger, setLogLevel } from "../lib/log.ts";
import { createSettings } from "../lib/settings.ts";
import { createBroker, startBroker } from "./phase-broker.ts";
import { listenMqtt } from "./phase-mqtt.ts";
import { openDoor } from "./phase-door.ts";
import type { ReadyInfo } from "./phase-listeners.ts";
import { createStartTimes } from "./start-times.ts";
import { startServices } from "./phase-services.ts";
import { openKeys, openStores } from "./phase-stores.ts";
import { reloadConfig } from "./reload.ts";
import { createStopList } from "./stop-list.ts";

const log = createLogger("neosvr");

export type { ReadyInfo };

export interface Gateway {
  readonly ready: ReadyInfo;
  /** apply a freshly loaded config (SIGHUP); returns what changed */
  reload(next: NeoConfig): Promise<string[]>;
  stop(): Promise<void>;
}

const pollSockets = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

export async function startGateway(config: NeoConfig): Promise<Gateway> {
  const settings = createSettings(config);
  settings.onChange((next, prev) => {
    if (next.log.level !== prev.log.level) setLogLevel(next.log.level);
  });
  const stops = createStopList(log);
  // what each step costs the start (log level debug)
  const times = createStartTimes();
  try {
    const keys = await openKeys(settings, times);
    // MQTT accepts from here; a CONNECT waits for the door (installed with the services)
    const broker = createBroker(settings, stops);
    const mqtt = await listenMqtt(settings, keys, broker, stops, times);
    const stores = openStores(settings, stops, keys, times);
    const door = openDoor(settings, stores, stops);
    times.lap("door");
    startBroker(settings, stores, broker, stops);
    times.lap("broker state");
    const services = await startServices(settings, stores, door, broker, stops);
    times.lap("services (CONNECTs let in)");
    // the CONNECTs that came while the stores opened are answered now, before the rest of
    // the start (console, HTTP, gRPC, CoAP: synchronous stretches, gRPC's 50-200 ms): two
    // short timer waits, in which the loop polls the sockets (setImmediate does not), one to
    // accept what waits, one to read its CONNECT (bench/RESULTS.md "CONNACKs during the start")
    await pollSockets();
    await pollSockets();
    times.lap("waiting CONNECTs answered");
    // the gate: the stores a CONNECT does not need open now (a failed open fails the start),
    // then the exports' first $SYS readings
    stores.openLate();
    services.publishExportSys();
    times.lap("series store, table finder, audit.db");
    stores.recordOwnFigures();
    times.lap("own figures");
    // the HTTP routes, the console, EST, gRPC and CoAP's listeners are code the first CONNACKs
    // do not need: their modules load now, after them (bench/RESULTS.md "Start: the first CONNACK")
    const { startListeners } = await import("./phase-listeners.ts");
    times.lap("listener code loaded");
    const listeners = await startListeners(settings, stores, door, broker, services, stops, mqtt, times);
    // what the start left behind (module set-up, config, SQLite opens) is garbage now: one
    // full collection before the ready line, while no traffic runs yet (on a timer later it
    // stalled clients mid-traffic: bench/RESULTS.md "settle collection")
    Bun.gc(true);
    if (typeof Bun.shrink === "function") Bun.shrink();
    times.lap("collection");
    log.debug(`start: ${times.line()}`);
    // old-layout tables move to the compact layout now, while the gateway serves
    stores.startMigration();
    // no full collection after the start: a synchronous one stalls every client for 10-75 ms
    // while traffic runs (the latency tail it made: bench/RESULTS.md, "settle collection")
    const stop = async () => {
      await stops.run();
      log.info("stopped");
    };
    let stopping: Promise<void> | undefined;
    return {
      get ready() {
        return listeners.ready();
      },
      reload: (next) =>
        reloadConfig({ settings, broker, mqttAuth: door.mqttAuth, log, listeners, bridges: services.bridges }, next),
      stop: () => (stopping ??= stop()),
    };
  } catch (e) {
    // whatever the phases before the failure opened is closed again
    await stops.run();
    throw e;
  }
}
