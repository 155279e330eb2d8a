import { afterEach, expect, test } from "bun:test";
import mqtt, { type MqttClient } from "mqtt";
import { startBroker, until, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
const opened: MqttClient[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) c.end(true);
  await tb?.stop();
  tb = null;
});

test("clientDetails lists each connected client with its listener, address, since, own message counts and subscriptions", async () => {
  tb = await startBroker({ sysIntervalMs: 0 });
  const before = Date.now();
  const sub = await mqtt.connectAsync(tb.url, { clientId: "watcher", reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(tb.url, { clientId: "sender", reconnectPeriod: 0 });
  opened.push(sub, pub);
  await sub.subscribeAsync(["a/#", "b"]);
  let got = 0;
  sub.on("message", () => got++);
  for (let i = 0; i < 3; i++) await pub.publishAsync("a/x", "1", { qos: 1 });
  await until(() => got === 3);
  const byId = new Map(tb.broker.clientDetails().map((d) => [d.clientId, d]));
  const w = byId.get("watcher");
  const s = byId.get("sender");
  expect(w?.transport).toBe("tcp");
  expect(w?.remoteAddress).toMatch(/127\.0\.0\.1/);
  expect(w?.subscriptions).toBe(2);
  expect(w?.messagesOut).toBe(3);
  expect(s?.messagesIn).toBe(3);
  expect(s?.messagesOut).toBe(0);
  expect(w?.connectedAt).toBeGreaterThanOrEqual(before);
  expect(w?.connectedAt).toBeLessThanOrEqual(Date.now());
});
