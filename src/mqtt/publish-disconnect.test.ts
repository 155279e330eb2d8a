// PublishOutcome.disconnect: the app refuses a message it cannot store (a full disk) by
// closing a v3.1.1 connection instead of acknowledging it, so the client sends it again.
import { afterEach, describe, expect, test } from "bun:test";
import { RawClient, allowAll, startBroker, until, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.end();
  await tb?.stop();
  tb = null;
});

describe("a publish outcome that asks to disconnect", () => {
  test("closes the connection without a PUBACK/PUBREC; earlier acks still go out; a QoS 2 resend is taken as new", async () => {
    let refuse = true;
    const stored: string[] = [];
    tb = await startBroker({
      hooks: {
        ...allowAll,
        onPublish: (_c, m) => {
          if (m.payload.toString() === "full" && refuse) return { handled: true, reasonCode: 0x80, disconnect: true };
          stored.push(`${m.qos}:${m.payload.toString()}`);
          return { handled: true, reasonCode: 0 };
        },
      },
    });
    const r = await RawClient.connect(tb.port, 4);
    raws.push(r);
    await r.connectMqtt("full-client");
    r.send({ cmd: "publish", topic: "db/x", payload: "ok", qos: 1, messageId: 1, dup: false, retain: false });
    r.send({ cmd: "publish", topic: "db/x", payload: "full", qos: 2, messageId: 2, dup: false, retain: false });
    await r.closedPromise;
    expect(r.packets.filter((p) => p.cmd === "puback").map((p) => (p as { messageId: number }).messageId)).toEqual([1]);
    expect(r.packets.some((p) => p.cmd === "pubrec")).toBe(false);

    // space is back: the same client resends with DUP and the message is stored once
    refuse = false;
    const again = await RawClient.connect(tb.port, 4);
    raws.push(again);
    await again.connectMqtt("full-client", { clean: false });
    again.send({ cmd: "publish", topic: "db/x", payload: "full", qos: 2, messageId: 2, dup: true, retain: false });
    await until(() => again.packets.some((p) => p.cmd === "pubrec"));
    expect(stored).toEqual(["1:ok", "2:full"]);
  });
});
