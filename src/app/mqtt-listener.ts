// One MQTT listener from config (tcp, tls, ws, wss), shared by the first start
// (phase-mqtt.ts, before the stores open) and by a reload that replaces one. Kept apart from
// the HTTP listeners (listeners.ts) so the first CONNACKs do not wait for the HTTP server's
// code to load (bench/RESULTS.md "Start: the first CONNACK").
import type { NeoConfig, ResolvedMqttListener } from "../config/index.ts";
import { isLoopbackHost } from "../lib/ip.ts";
import { createLogger } from "../lib/log.ts";
import type { Broker, Listening } from "../mqtt/index.ts";
import type { Pki } from "../pki/index.ts";
import { listening } from "./listen-error.ts";
import { loadTlsMaterial } from "./tls-material.ts";

export type MqttListener = Listening;

export interface MqttListenerDeps {
  pki: Pki;
  /** client-certificate CAs trusted besides the gateway's own (Tls.TrustedCA), PEM */
  trusted?: readonly string[];
  broker: Broker;
}

/** One MQTT listener from its rules; `announce` runs once the socket listens (the first local-time log stamp loads the zone). */
export async function startMqttListener(
  d: MqttListenerDeps,
  m: NeoConfig["mqtt"],
  l: ResolvedMqttListener,
  announce?: () => void,
  file?: string,
): Promise<MqttListener> {
  // tls:// and wss:// alike: client certificates as the listener's ClientAuth says (wss:// behind the TLS front)
  const tls =
    l.transport === "tls" || l.transport === "wss"
      ? {
          ...(await loadTlsMaterial(d.pki, m.tls, "Mqtt", d.trusted)),
          requestCert: l.clientAuth !== "none",
          rejectUnauthorized: l.clientAuth === "require",
        }
      : undefined;
  const websocket = l.transport === "ws" || l.transport === "wss";
  const what = l.named ? (`MQTT listener "${l.name}"` as const) : "MQTT";
  const at = await listening(
    what,
    l.listen.host,
    l.listen.port,
    () =>
      d.broker.listen({
        ...(l.named ? { name: l.name } : {}),
        host: l.listen.host,
        port: l.listen.port,
        ...(tls ? { tls } : {}),
        ...(websocket ? { websocket } : {}),
      }),
    l.named ? `${file ?? "config"}:${l.at ?? "?"} Mqtt.Listener "${l.name}"` : undefined,
  );
  announce?.();
  const rules = `${l.enableTokenAuth ? "token required" : "token optional"}${l.transport === "tls" || l.transport === "wss" ? `, client certificate ${l.clientAuth}` : ""}`;
  const mlog = createLogger("mqtt-tcp");
  mlog.info(
    `MQTT Listen ${l.transport}://${at.host}:${at.port}${websocket ? "/mqtt" : ""}${l.named ? ` (listener "${l.name}": ${rules})` : ""}`,
  );
  if (!l.enableTokenAuth && !isLoopbackHost(at.host))
    mlog.warn(
      `MQTT listener ${l.transport}://${at.host}:${at.port} takes clients without a token from beyond this machine (EnableTokenAuth = false): Auth.AnonymousScopes apply to anyone who reaches it`,
    );
  return at;
}
