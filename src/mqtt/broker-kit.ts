// For broker tests: one broker per test and the clients it opened, all stopped after the
// test (afterEach), so a failing test cannot leave a socket or a broker behind.
import { afterEach } from "bun:test";
import mqtt, { type MqttClient } from "mqtt";
import type { IPublishPacket } from "mqtt-packet";
import type { BrokerOptions } from "./broker-types.ts";
import { RawClient, startBroker, type TestBroker } from "./test-support.ts";

export function brokerKit() {
  let tb: TestBroker | null = null;
  const opened: MqttClient[] = [];
  const raws: RawClient[] = [];
  afterEach(async () => {
    for (const c of opened.splice(0)) c.end(true);
    for (const r of raws.splice(0)) r.end();
    await tb?.stop();
    tb = null;
  });
  const running = (): TestBroker => {
    if (!tb) throw new Error("start the broker first");
    return tb;
  };
  return {
    async start(opts: Partial<BrokerOptions> = {}): Promise<TestBroker> {
      tb = await startBroker(opts);
      return tb;
    },
    /** an MQTT.js client of the running broker */
    async client(opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
      const c = await mqtt.connectAsync(running().url, { reconnectPeriod: 0, ...opts });
      opened.push(c);
      return c;
    },
    /** a client that writes and reads raw packets */
    async raw(version: 3 | 4 | 5 = 4): Promise<RawClient> {
      const r = await RawClient.connect(running().port, version);
      raws.push(r);
      return r;
    },
    nextMessage(c: MqttClient): Promise<{ topic: string; payload: string; packet: IPublishPacket }> {
      return new Promise((resolve) =>
        c.once("message", (topic, payload, packet) => resolve({ topic, payload: payload.toString(), packet })),
      );
    },
  };
}
