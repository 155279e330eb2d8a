// MQTT's and HTTP's listener sets (listener-set.ts): how each kind starts, lets go of its
// socket on a swap, and is removed. An HTTP server gets a live view of the settings with
// its own address, TLS and token rule (read per request).
import {
  httpListeners,
  type HttpListenerConfig,
  mqttListeners,
  type MqttListenerConfig,
  type NeoConfig,
  type ResolvedHttpListener,
  type ResolvedMqttListener,
} from "../config/index.ts";
import type { HttpServer } from "../http/index.ts";
import { live, type Settings } from "../lib/settings.ts";
import { createListenerSet, type ListenerSet } from "./listener-set.ts";
import type { MqttListener } from "./mqtt-listener.ts";

export type MqttListenerSet = ListenerSet<NeoConfig["mqtt"], ResolvedMqttListener, MqttListener>;
export type HttpListenerSet = ListenerSet<NeoConfig["http"], ResolvedHttpListener, HttpServer> & {
  /** servers a reload swapped out: they accept nothing new, their open connections run on */
  retired: HttpServer[];
};

export function createMqttListenerSet(
  start: (m: NeoConfig["mqtt"], l: ResolvedMqttListener) => Promise<MqttListener>,
): MqttListenerSet {
  return createListenerSet<MqttListenerConfig, NeoConfig["mqtt"], ResolvedMqttListener, MqttListener>({
    what: "MQTT",
    resolve: mqttListeners,
    secure: (l) => l.transport === "tls" || l.transport === "wss",
    start,
    retire: (x) => x.stop(false), // its sessions run on (or are re-checked after the reload)
    remove: (x) => x.stop(true), // its own connections end, no one else's
    describe: (x) => `${x.transport}://${x.host}:${x.port}`,
  });
}

/** the settings as they are now, seen by one HTTP listener: its address, TLS and token rule */
export function listenerView(settings: Settings<NeoConfig>, h: NeoConfig["http"], l: ResolvedHttpListener): NeoConfig {
  let base: NeoConfig | undefined;
  let view: NeoConfig | undefined;
  const tls = { ...h.tls, enabled: l.transport === "https", clientAuth: l.clientAuth };
  return live(() => {
    const now = settings.get();
    if (now !== base || !view) {
      base = now;
      // the token rule as the settings say now (a reload may switch it); the socket's own as started
      const own = httpListeners(now.http).find((x) => x.name === l.name && x.named === l.named);
      view = { ...now, http: { ...now.http, listen: l.listen, tls, enableTokenAuth: (own ?? l).enableTokenAuth } };
    }
    return view;
  });
}

export function createHttpListenerSet(
  start: (h: NeoConfig["http"], l: ResolvedHttpListener) => Promise<HttpServer>,
): HttpListenerSet {
  const retired: HttpServer[] = [];
  const set = createListenerSet<HttpListenerConfig, NeoConfig["http"], ResolvedHttpListener, HttpServer>({
    what: "HTTP",
    resolve: httpListeners,
    secure: (l) => l.transport === "https",
    start,
    retire: (old, was, next) => {
      // switching TLS on or off: the old server's connections must not go on the old way
      if (was.transport !== next.transport) void old.stop();
      else {
        old.stopAccepting();
        retired.push(old);
      }
    },
    // in-flight requests finish (2 s grace), then its connections close; the others' run on
    remove: (x) => void x.stop(),
    describe: (x) => x.url,
  });
  return Object.assign(set, { retired });
}
