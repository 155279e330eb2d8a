// coap: the CoAP adapter (RFC 7252 over UDP, RFC 8323 over TLS) for Mainflux-style
// devices. It translates; identity and rights come from auth, storage and delivery from
// the channel message path app hands it.
import type { Credentials, Guard, Identity, Principal } from "../auth/index.ts";
import type { Logger } from "../lib/log.ts";
import type { AuditLog } from "../registry/index.ts";
import { type AdapterDeps, createAdapter } from "./adapter.ts";
import { createBlock1 } from "./block1.ts";
import { createDedup } from "./dedup.ts";
import { createDoor } from "./door.ts";
import { createObservers, type ObserverCredential } from "./observe.ts";
import { type CoapStats, createCoapStats } from "./stats.ts";
import { listenTcp, type TcpEndpoint } from "./tcp.ts";
import { listenUdp, type UdpEndpoint } from "./udp.ts";

export interface CoapDeps {
  identify(c: Credentials): Identity;
  guard: Pick<Guard, "check" | "failed">;
  audit?: Pick<AuditLog, "record">;
  markUsed(clientId: string): void;
  channel: AdapterDeps["channel"];
  domainOf: AdapterDeps["domainOf"];
  accept: AdapterDeps["accept"];
  /** the live re-check: the key's principal now, or null when its credential is no longer usable */
  current(o: ObserverCredential): Principal | null;
  maxBodyBytes: number;
  log: Logger;
}

export interface CoapListenConfig {
  udp?: { host: string; port: number };
  tls?: { host: string; port: number; cert: string; key: string; ca: string; clientAuth: "optional" | "require" };
}

export interface CoapFigures {
  stats: CoapStats;
  observers: number;
  dedupEntries: number;
  uploads: number;
}

export function createCoap(deps: CoapDeps) {
  const stats = createCoapStats();
  const observers = createObservers({ current: deps.current });
  const dedup = createDedup();
  const block1 = createBlock1({ maxBodyBytes: deps.maxBodyBytes });
  const adapter = createAdapter({
    door: createDoor(deps),
    observers,
    block1,
    channel: deps.channel,
    domainOf: deps.domainOf,
    accept: deps.accept,
    maxBodyBytes: deps.maxBodyBytes,
  });
  let udp: UdpEndpoint | undefined;
  let tcp: TcpEndpoint | undefined;
  const sweep = setInterval(() => block1.sweep(), 10_000);
  sweep.unref();

  return {
    async listen(c: CoapListenConfig): Promise<{ udp?: string; tls?: string }> {
      if (c.udp) udp = await listenUdp({ ...c.udp, adapter, observers, dedup, stats, log: deps.log });
      if (c.tls) {
        const { host, port, ...tls } = c.tls;
        tcp = listenTcp({
          host,
          port,
          tls,
          adapter,
          observers,
          stats,
          // a frame carries one block or one whole message: the body limit plus room for options
          maxMessageSize: deps.maxBodyBytes + 1024,
          log: deps.log,
        });
      }
      return this.addresses();
    },
    addresses(): { udp?: string; tls?: string } {
      return {
        ...(udp ? { udp: `${udp.host}:${udp.port}` } : {}),
        ...(tcp ? { tls: `${tcp.host}:${tcp.port}` } : {}),
      };
    },
    /** a channel message (from any adapter or MQTT): observers of its topic get it */
    fanout: (topic: string, payload: Uint8Array) => observers.fanout(topic, payload),
    /** the live re-check (after a registry change, and now and then for expiry) */
    revalidate: () => observers.revalidate(),
    figures: (): CoapFigures => ({
      stats,
      observers: observers.count(),
      dedupEntries: dedup.size(),
      uploads: block1.transfers(),
    }),
    stop(): void {
      clearInterval(sweep);
      observers.closeAll();
      udp?.stop();
      tcp?.stop();
      udp = tcp = undefined;
    },
  };
}

export type Coap = ReturnType<typeof createCoap>;
