import { describe, expect, test } from "bun:test";
import { brokerKit } from "./broker-kit.ts";
import { allowAll, until } from "./test-support.ts";

const kit = brokerKit();
const { client, nextMessage } = kit;

describe("one message, several topic spellings", () => {
  test("an app publish with `also` reaches subscribers of every spelling, a filter matching two of them once", async () => {
    const tb = await kit.start();
    const a = await client({ clientId: "a" });
    await a.subscribeAsync("m/plant/c/x", { qos: 1 });
    const b = await client({ clientId: "b" });
    await b.subscribeAsync("m/id-1/c/x", { qos: 1 });
    const w = await client({ clientId: "w" });
    await w.subscribeAsync("m/+/c/x", { qos: 1 });
    const wild: string[] = [];
    w.on("message", (t, p) => wild.push(`${t} ${p}`));
    const [ga, gb] = [nextMessage(a), nextMessage(b)];
    tb.broker.publish({ topic: "m/plant/c/x", payload: "1", qos: 1, also: ["m/id-1/c/x"] });
    expect((await ga).topic).toBe("m/plant/c/x");
    expect((await gb).topic).toBe("m/id-1/c/x");
    // a marker after it: the wildcard had its one copy before
    tb.broker.publish({ topic: "m/plant/c/x", payload: "end", qos: 1 });
    await until(() => wild.length >= 2);
    expect(wild).toEqual(["m/plant/c/x 1", "m/plant/c/x end"]);
  });

  test("an onPublish outcome with `also` routes and retains under each spelling", async () => {
    await kit.start({
      hooks: {
        ...allowAll,
        onPublish: (_, m) => ({ handled: false, ...(m.topic === "m/r/c/x" ? { also: ["m/i/c/x"] } : {}) }),
      },
    });
    const pub = await client({ clientId: "p" });
    await pub.publishAsync("m/r/c/x", "kept", { qos: 1, retain: true });
    const late = await client({ clientId: "late" });
    const got = nextMessage(late);
    await late.subscribeAsync("m/i/c/x", { qos: 1 });
    const m = await got;
    expect(m.topic).toBe("m/i/c/x");
    expect(m.payload).toBe("kept");
    expect(m.packet.retain).toBe(true);
  });
});
