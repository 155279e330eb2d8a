// Property: whatever bytes follow a valid v5 or v3.1.1 CONNECT, every packet the broker
// writes back is a valid packet, the encoder never fails, and a broken packet ends the
// connection with a DISCONNECT carrying a reason code (v5) or a plain close (v3.1.1).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import mqttPacket, { type Packet } from "mqtt-packet";
import type { Logger } from "../lib/log.ts";
import { Broker } from "./broker.ts";
import { Connection } from "./connection.ts";
import type { BrokerCore } from "./core.ts";
import { allowAll } from "./test-support.ts";
import type { Transport } from "./types.ts";

class MemoryTransport implements Transport {
  readonly peer = { transport: "tcp" as const, remoteAddress: "127.0.0.1" };
  out: Buffer[] = [];
  ended = false;
  write(chunk: Uint8Array): void {
    this.out.push(Buffer.from(chunk));
  }
  buffered(): number {
    return 0;
  }
  end(): void {
    this.ended = true;
  }
  close(): void {
    this.ended = true;
  }
  pauseReading(): void {}
  resumeReading(): void {}
}

const errors: string[] = [];
const log: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (m, cause) => errors.push(`${m} ${cause instanceof Error ? cause.message : String(cause ?? "")}`),
};
const broker = new Broker({ hooks: allowAll, sysIntervalMs: 0, log });
const core = (broker as unknown as { core: BrokerCore }).core;

const gen = (p: Packet, v: 4 | 5) => mqttPacket.generate(p, { protocolVersion: v });

/** valid packets a client may send after CONNECT, the seeds for mutation */
function seeds(v: 4 | 5): Buffer[] {
  const props = v === 5;
  return [
    gen(
      {
        cmd: "publish",
        topic: "a/b",
        payload: Buffer.from("x"),
        qos: 1,
        messageId: 7,
        retain: false,
        dup: false,
        ...(props ? { properties: { userProperties: { k: "v" }, contentType: "t", responseTopic: "r" } } : {}),
      },
      v,
    ),
    gen({ cmd: "subscribe", messageId: 3, subscriptions: [{ topic: "a/#", qos: 1 }] }, v),
    gen({ cmd: "unsubscribe", messageId: 4, unsubscriptions: ["a/#"] }, v),
    gen({ cmd: "puback", messageId: 9 }, v),
    gen({ cmd: "pubrec", messageId: 9 }, v),
    gen({ cmd: "pubrel", messageId: 9 }, v),
    gen({ cmd: "pingreq" }, v),
  ];
}

async function feed(v: 4 | 5, bytes: Buffer): Promise<{ out: Packet[]; ended: boolean }> {
  const t = new MemoryTransport();
  const c = new Connection(core, t);
  c.onData(
    gen(
      {
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: v,
        clientId: `f${Math.random()}`,
        clean: true,
        keepalive: 0,
      },
      v,
    ),
  );
  await Bun.sleep(0);
  // a subscriber so that a publish is also encoded outward
  c.onData(gen({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "#", qos: 1 }] }, v));
  c.onData(bytes);
  await Bun.sleep(0);
  c.onData(gen({ cmd: "pingreq" }, v));
  await Bun.sleep(0);
  const out: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: v });
  parser.on("packet", (p: Packet) => out.push(p));
  parser.on("error", (e: Error) => {
    throw new Error(`the broker wrote an invalid packet: ${e.message}`);
  });
  parser.parse(Buffer.concat(t.out));
  const ended = t.ended;
  c.close();
  return { out, ended };
}

describe("mutated packets", () => {
  for (const v of [5, 4] as const) {
    test(`v${v === 5 ? "5" : "3.1.1"}: every answer is a valid packet and the encoder never fails`, async () => {
      const base = seeds(v);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: base.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          async (which, flips) => {
            const b = Buffer.from(base[which]!);
            for (const [at, value] of flips) b[at % b.length] = value;
            errors.length = 0;
            const r = await feed(v, b);
            expect(errors).toEqual([]);
            expect(r.out[0]?.cmd).toBe("connack");
            // (a client DISCONNECT ends the connection without one from the server)
            if (r.ended && v === 5 && b[0]! >> 4 !== 14) {
              const last = r.out[r.out.length - 1];
              // closed after CONNACK: with a DISCONNECT that says why
              if (last?.cmd !== "connack") expect(last?.cmd).toBe("disconnect");
            }
          },
        ),
        { numRuns: 1000, seed: 20261130 },
      );
    });
  }
});
