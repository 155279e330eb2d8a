// The listeners that run, per service: the Listener blocks, or the one of Listen + Tls (the shorthand).
import type { ClientAuthMode, HttpListenerConfig, ListenConfig, ListenerConfig, MqttListenerConfig } from "./types.ts";

/** A listener's rules with the service's defaults filled in. */
export interface ResolvedListener<T extends string> extends ListenerConfig<T> {
  enableTokenAuth: boolean;
  clientAuth: ClientAuthMode;
  /** written as a Listener block (false: the Listen + Tls shorthand) */
  named: boolean;
}
export type ResolvedMqttListener = ResolvedListener<MqttListenerConfig["transport"]>;
export type ResolvedHttpListener = ResolvedListener<HttpListenerConfig["transport"]>;

interface Service<T extends string> {
  listen: ListenConfig;
  enableTokenAuth: boolean;
  tls: { enabled: boolean; clientAuth: ClientAuthMode };
  listeners?: ListenerConfig<T>[];
}

function resolve<T extends string>(
  s: Service<T>,
  /** the one listener's transport without and with Tls.Enabled (also its name) */
  one: readonly [plain: T, secure: T],
  /** transports whose ClientAuth defaults to Tls.ClientAuth; `asks`: those that may ask for certificates at all */
  byDefault: readonly T[],
  asks: readonly T[],
): ResolvedListener<T>[] {
  if (!s.listeners?.length) {
    const transport = s.tls.enabled ? one[1] : one[0];
    return [
      {
        name: transport,
        transport,
        listen: s.listen,
        enableTokenAuth: s.enableTokenAuth,
        clientAuth: s.tls.enabled ? s.tls.clientAuth : "none",
        named: false,
      },
    ];
  }
  return s.listeners.map((l) => ({
    ...l,
    enableTokenAuth: l.enableTokenAuth ?? s.enableTokenAuth,
    clientAuth: asks.includes(l.transport)
      ? (l.clientAuth ?? (byDefault.includes(l.transport) ? s.tls.clientAuth : "none"))
      : "none",
    named: true,
  }));
}

export const mqttListeners = (m: Service<MqttListenerConfig["transport"]>): ResolvedMqttListener[] =>
  resolve(m, ["tcp", "tls"], ["tls"], ["tls", "wss"]);

/** HTTP: the one listener is named "http" or "https" (the audit trail's names before Listener blocks) */
export const httpListeners = (h: Service<HttpListenerConfig["transport"]>): ResolvedHttpListener[] =>
  resolve(h, ["http", "https"], ["https"], ["https"]);
