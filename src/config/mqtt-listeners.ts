// The MQTT listeners that run: the Listener blocks, or the one of Listen + Tls (the shorthand).
import type { MqttListenerConfig, NeoConfig } from "./types.ts";

/** A listener's rules with the service's defaults filled in. */
export interface ResolvedMqttListener extends MqttListenerConfig {
  enableTokenAuth: boolean;
  clientAuth: NeoConfig["mqtt"]["tls"]["clientAuth"];
  /** written as a Listener block (false: the Listen + Tls shorthand) */
  named: boolean;
}

export function mqttListeners(m: NeoConfig["mqtt"]): ResolvedMqttListener[] {
  if (!m.listeners?.length) {
    const transport = m.tls.enabled ? "tls" : "tcp";
    return [
      {
        name: transport,
        transport,
        listen: m.listen,
        enableTokenAuth: m.enableTokenAuth,
        clientAuth: m.tls.enabled ? m.tls.clientAuth : "none",
        named: false,
      },
    ];
  }
  return m.listeners.map((l) => ({
    ...l,
    enableTokenAuth: l.enableTokenAuth ?? m.enableTokenAuth,
    clientAuth: l.transport === "tls" ? (l.clientAuth ?? m.tls.clientAuth) : "none",
    named: true,
  }));
}
