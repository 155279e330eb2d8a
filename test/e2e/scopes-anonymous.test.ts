// Auth.AnonymousScopes on an open broker, and wills checked when they are published.
import { describe, expect, test } from "bun:test";
import { run } from "./harness.ts";
import { useGateway } from "./fixture.ts";
import { connectCollect, pubCode } from "./mqtt-clients.ts";

const gw = useGateway({
  config:
    'Auth {\n  AnonymousScopes = ["topics:publish:#", "topics:subscribe:#", "!topics:subscribe:test/nosubscribe", "!topics:publish:alarms/#"]\n}\n',
});

describe("anonymous clients get Auth.AnonymousScopes", () => {
  test("a deny for test/nosubscribe refuses that subscription with 0x80 for a v3.1.1 client (mosquitto_sub)", async () => {
    const r = await run(
      [
        "mosquitto_sub",
        "-p",
        String(gw.srv.mqttPort),
        "-V",
        "mqttv311",
        "-t",
        "test/nosubscribe",
        "-C",
        "1",
        "-W",
        "3",
      ],
      { timeoutMs: 8000 },
    );
    expect(r.stderr + r.stdout).toContain("All subscription requests were denied");
    const c = connectCollect(gw.url, { protocolVersion: 4, clientId: "anon-a" });
    await c.ready;
    const granted = await new Promise<number[]>((resolve) => {
      c.c.on("packetreceive", (p) => {
        if (p.cmd === "suback") resolve((p as { granted: number[] }).granted);
      });
      c.c.subscribe(["test/nosubscribe", "test/other"], { qos: 1 }, () => {});
    });
    c.c.end(true);
    expect(granted).toEqual([0x80, 1]);
  });

  test("a will on a denied topic is not published; one on an allowed topic is", async () => {
    const watcher = connectCollect(gw.url, { protocolVersion: 5, clientId: "anon-watch" });
    await watcher.ready;
    await new Promise<void>((r) => watcher.c.subscribe(["alarms/#", "status/#"], () => r()));
    for (const [id, topic] of [
      ["anon-w1", "alarms/fire"],
      ["anon-w2", "status/anon-w2"],
    ] as const) {
      const c = connectCollect(gw.url, {
        protocolVersion: 5,
        clientId: id,
        will: { topic, payload: Buffer.from(`gone ${id}`), qos: 0, retain: false },
      });
      await c.ready;
      c.c.stream.destroy(); // abnormal end: the will goes out now
    }
    const end = Date.now() + 5000;
    while (!watcher.got.some((m) => m.topic === "status/anon-w2") && Date.now() < end) await Bun.sleep(10);
    // one more round trip through the broker after both clients are gone
    await pubCode(watcher.c, "status/sync", "x", { qos: 1 });
    while (!watcher.got.some((m) => m.topic === "status/sync") && Date.now() < end) await Bun.sleep(10);
    watcher.c.end(true);
    expect(watcher.got.map((m) => m.topic).filter((t) => t !== "status/sync")).toEqual(["status/anon-w2"]);
  });
});
