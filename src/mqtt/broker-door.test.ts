import { afterEach, expect, test } from "bun:test";
import type { IConnackPacket } from "mqtt-packet";
import { createLogger } from "../lib/log.ts";
import { Broker } from "./broker.ts";
import { allowAll, RawClient } from "./test-support.ts";

const open: { broker: Broker; stop(): void }[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.end();
  for (const o of open.splice(0)) {
    await o.broker.close();
    o.stop();
  }
});

async function hookless() {
  const broker = new Broker({ sysIntervalMs: 0, log: createLogger("mqtt-test") });
  const l = await broker.listen({ host: "127.0.0.1", port: 0 });
  open.push({ broker, stop: () => l.stop() });
  const raw = await RawClient.connect(l.port, 5);
  raws.push(raw);
  return { broker, raw };
}

test("a CONNECT that comes before the app's hooks (the listener is up first) waits for them, then goes through them", async () => {
  const { broker, raw } = await hookless();
  let asked = 0;
  const ack = raw.connectMqtt("early");
  await Bun.sleep(30);
  expect(raw.packets).toEqual([]); // no answer yet: the door is not there
  broker.setHooks({
    ...allowAll,
    authenticate: () => {
      asked++;
      return { ok: true };
    },
  });
  expect(((await ack) as IConnackPacket).reasonCode).toBe(0);
  expect(asked).toBe(1);
});

test("a broker closed before its hooks came refuses the CONNECTs that waited", async () => {
  const { broker, raw } = await hookless();
  const ack = raw.connectMqtt("early");
  await Bun.sleep(30);
  await broker.close();
  const got = (await ack) as IConnackPacket | null;
  // refused (server unavailable) or closed with the broker: never let in
  if (got) expect(got.reasonCode).not.toBe(0);
  await raw.closedPromise;
});
