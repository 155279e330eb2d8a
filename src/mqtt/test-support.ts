// Helpers for the broker's own tests: a broker on 127.0.0.1:0 and a raw MQTT client
// over Bun.connect that exposes every packet the broker sends.
import mqttPacket, { type Packet } from "mqtt-packet";
import type { Socket } from "bun";
import { Broker } from "./broker.ts";
import type { BrokerOptions } from "./broker-types.ts";
import type { BrokerHooks } from "./hooks.ts";
import { createLogger } from "../lib/log.ts";

export const allowAll: BrokerHooks = {
  authenticate: () => ({ ok: true }),
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};

export interface TestBroker {
  broker: Broker;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startBroker(opts: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const broker = new Broker({ hooks: allowAll, sysIntervalMs: 0, log: createLogger("mqtt-test"), ...opts });
  const l = await broker.listen({ host: "127.0.0.1", port: 0 });
  return {
    broker,
    port: l.port,
    url: `mqtt://127.0.0.1:${l.port}`,
    stop: async () => {
      await broker.close();
      l.stop();
    },
  };
}

/** Resolve when `cond()` holds, polling each event-loop turn; reject after `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(2);
  }
}

export class RawClient {
  readonly packets: Packet[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  private socket!: Socket<undefined>;
  private parser: ReturnType<typeof mqttPacket.parser>;
  readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(readonly version: 3 | 4 | 5) {
    this.parser = mqttPacket.parser({ protocolVersion: version });
    this.parser.on("packet", (p: Packet) => {
      this.packets.push(p);
      this.wake();
    });
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
  }

  static async connect(port: number, version: 3 | 4 | 5 = 4): Promise<RawClient> {
    const c = new RawClient(version);
    c.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, d) => {
          c.parser.parse(Buffer.from(d));
        },
        close: () => c.onClose(),
        end: () => c.onClose(),
        error: () => c.onClose(),
      },
    });
    return c;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.resolveClosed();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(p: Packet): void {
    this.socket.write(mqttPacket.generate(p, { protocolVersion: this.version }));
  }

  write(b: Uint8Array | string): void {
    this.socket.write(b);
  }

  /** Take the first packet of kind `cmd` (others stay in `packets`), or null if the socket closed first. */
  async next(cmd?: Packet["cmd"], ms = 3000): Promise<Packet | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.packets.findIndex((p) => cmd === undefined || p.cmd === cmd);
      if (i >= 0) return this.packets.splice(i, 1)[0] as Packet;
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${cmd ?? "a packet"}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async connectMqtt(
    clientId: string,
    extra: Partial<Extract<Packet, { cmd: "connect" }>> = {},
  ): Promise<Packet | null> {
    this.send({
      cmd: "connect",
      protocolId: this.version === 3 ? "MQIsdp" : "MQTT",
      protocolVersion: this.version,
      clientId,
      clean: true,
      keepalive: 0,
      ...extra,
    });
    return this.next("connack");
  }

  /** Stop reading, so the broker sees TCP back-pressure. */
  pause(): void {
    this.socket.pause();
  }

  end(): void {
    this.socket.end();
  }
}
