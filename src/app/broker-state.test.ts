import { afterEach, beforeAll, afterAll, expect, test } from "bun:test";
import { serialize } from "bun:jsc";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import mqtt from "mqtt";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../mqtt/index.ts";
import { createLogger, setLogLevel } from "../lib/log.ts";
import { STATE_DB, STATE_FILE, persistBrokerState, restoreBrokerState } from "./broker-state.ts";

const log = createLogger("test");
const dirs: string[] = [];
const brokers: Broker[] = [];
const allow = {
  authenticate: () => ({ ok: true as const }),
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};
const ports = new Map<Broker, number>();
const newBroker = async () => {
  const b = new Broker({ hooks: allow, sysIntervalMs: 0, log });
  brokers.push(b);
  ports.set(b, (await b.listen({ host: "127.0.0.1", port: 0 })).port);
  return b;
};
const port = (b: Broker) => ports.get(b) ?? 0;
async function eventually(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "neo-state-"));
  dirs.push(d);
  return d;
};
beforeAll(() => setLogLevel("error"));
afterAll(() => setLogLevel("info")); // the level is global to the test process
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const open = (dir: string, b: Broker) => {
  const store = restoreBrokerState(dir, b, log);
  if (!store) throw new Error("no store");
  return store;
};

test("a retained message saved at stop is there after a restart; the file is the owner's only", async () => {
  const dir = tempDir();
  const a = await newBroker();
  const p = persistBrokerState(open(dir, a), a, log);
  a.publish({ topic: "lamp/state", payload: "on", qos: 1, retain: true });
  await p.stop();
  expect(statSync(join(dir, STATE_DB)).mode & 0o777).toBe(0o600);
  const b = await newBroker();
  open(dir, b).close();
  expect(b.stats().retained).toBe(1);
});

test("a save writes only the sessions that changed; a session's queue comes back in order after a restart", async () => {
  const dir = tempDir();
  const a = await newBroker();
  const store = open(dir, a);
  // two offline persistent sessions subscribed to #, a third that never changes
  for (const id of ["s1", "s2", "s3"]) {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port(a)}`, {
      clientId: id,
      clean: false,
      reconnectPeriod: 0,
    });
    await c.subscribeAsync(id === "s3" ? "other/#" : "#", { qos: 1 });
    await c.endAsync();
  }
  expect(await store.save(a)).toEqual({ sessions: 3, messages: 0 });
  expect(await store.save(a)).toEqual({ sessions: 0, messages: 0 }); // nothing changed, nothing written
  for (let i = 0; i < 5; i++) a.publish({ topic: `m/${i}`, payload: `v${i}`, qos: 1 });
  expect(await store.save(a)).toEqual({ sessions: 2, messages: 10 }); // s1 and s2; 5 messages stored once
  store.close();
  const b = await newBroker();
  const again = open(dir, b);
  expect(b.stats().sessions).toBe(3);
  expect(await again.save(b)).toEqual({ sessions: 0, messages: 0 }); // loaded = written
  again.close();
  const got: string[] = [];
  const c = mqtt.connect(`mqtt://127.0.0.1:${port(b)}`, { clientId: "s1", clean: false, reconnectPeriod: 0 });
  c.on("message", (_t, p) => got.push(p.toString()));
  await eventually(() => got.length === 5);
  expect(got).toEqual(["v0", "v1", "v2", "v3", "v4"]);
  await c.endAsync();
});

test("an unreadable database is set aside and the broker starts empty", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, STATE_DB), "not a database at all, not even close to one; SQLite refuses this header");
  const b = await newBroker();
  open(dir, b).close();
  expect(b.stats().retained).toBe(0);
  expect(readdirSync(dir).some((f) => f.startsWith(`${STATE_DB}.unreadable-`))).toBe(true);
});

test("the whole-file state of earlier versions is read once, moved into the database and removed", async () => {
  const dir = tempDir();
  const a = await newBroker();
  a.publish({ topic: "old/retained", payload: "kept", retain: true });
  writeFileSync(join(dir, STATE_FILE), serialize(a.exportState(), { binaryType: "nodebuffer" }));
  const b = await newBroker();
  const store = open(dir, b);
  expect(b.stats().retained).toBe(1);
  await eventually(() => !existsSync(join(dir, STATE_FILE)));
  store.close();
  const c = await newBroker();
  open(dir, c).close();
  expect(c.stats().retained).toBe(1);
});
