// The MQTT listeners, first of all: right after the CA (and before the stores open) they
// accept; a CONNECT that comes before the door is in place (phase 4, Broker.setHooks)
// waits for it, so the port answers within milliseconds of the exec and no client is
// refused for coming early. A bad operator certificate still stops the start before
// anything listens. A reload reconciles the set (phase-listeners.ts ListenerSlots).
import { httpListeners, mqttListeners, type NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import type { Settings } from "../lib/settings.ts";
import { createMqttListenerSet, type MqttListenerSet } from "./listener-kinds.ts";
import { startMqttListener } from "./mqtt-listener.ts";
import type { NeoBroker } from "./mqtt-auth.ts";
import type { Keys } from "./phase-stores.ts";
import type { StartTimes } from "./start-times.ts";
import type { StopList } from "./stop-list.ts";
import { loadTlsMaterial } from "./tls-material.ts";

export async function listenMqtt(
  settings: Settings<NeoConfig>,
  keys: Keys,
  broker: NeoBroker,
  stops: StopList,
  times?: StartTimes,
): Promise<MqttListenerSet> {
  const log = createLogger("neosvr");
  const config = settings.get();
  // a bad operator certificate (MQTT's or HTTP's) stops the start before anything listens
  if (mqttListeners(config.mqtt).some((l) => l.transport === "tls" || l.transport === "wss"))
    await loadTlsMaterial(keys.pki, config.mqtt.tls, "Mqtt");
  if (httpListeners(config.http).some((l) => l.transport === "https"))
    await loadTlsMaterial(keys.pki, config.http.tls, "Http");
  let announced = false;
  const mq = createMqttListenerSet((m, l) =>
    startMqttListener(
      { pki: keys.pki, broker, ...(keys.trust ? { trusted: keys.trust.pem } : {}) },
      m,
      l,
      () => {
        if (!announced && config.mqtt.enableTokenAuth) log.info("MQTT token authentication enabled");
        announced = true;
      },
      settings.get().file,
    ),
  );
  await mq.startAll(config.mqtt);
  times?.lap("MQTT listeners (accepting)");
  // broker.close() tells each client
  stops.add("accept", "MQTT listeners", () => {
    for (const r of mq.running.values()) r.listener.stop(false);
  });
  return mq;
}
