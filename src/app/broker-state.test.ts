import { afterEach, beforeAll, afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../mqtt/index.ts";
import { createLogger, setLogLevel } from "../lib/log.ts";
import { STATE_FILE, persistBrokerState, restoreBrokerState } from "./broker-state.ts";

const log = createLogger("test");
const dirs: string[] = [];
const brokers: Broker[] = [];
const allow = {
  authenticate: () => ({ ok: true as const }),
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};
const newBroker = () => {
  const b = new Broker({ hooks: allow, sysIntervalMs: 0, log });
  brokers.push(b);
  return b;
};
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

test("a retained message saved at stop is there after a restart; the file is the owner's only", () => {
  const dir = tempDir();
  const a = newBroker();
  const p = persistBrokerState(dir, a, log);
  a.publish({ topic: "lamp/state", payload: "on", qos: 1, retain: true });
  p.stop();
  expect(statSync(join(dir, STATE_FILE)).mode & 0o777).toBe(0o600);
  const b = newBroker();
  restoreBrokerState(dir, b, log);
  expect(b.stats().retained).toBe(1);
});

test("nothing changed, nothing written; nothing left to keep, no file", () => {
  const dir = tempDir();
  const a = newBroker();
  const p = persistBrokerState(dir, a, log);
  p.save();
  expect(existsSync(join(dir, STATE_FILE))).toBe(false);
  a.publish({ topic: "t", payload: "x", retain: true });
  p.save();
  const first = statSync(join(dir, STATE_FILE)).mtimeMs;
  p.save();
  expect(statSync(join(dir, STATE_FILE)).mtimeMs).toBe(first);
  a.publish({ topic: "t", payload: "", retain: true }); // clears the retained message
  p.stop();
  expect(existsSync(join(dir, STATE_FILE))).toBe(false);
});

test("an unreadable file is set aside and the broker starts empty", () => {
  const dir = tempDir();
  writeFileSync(join(dir, STATE_FILE), "not a state at all");
  const b = newBroker();
  restoreBrokerState(dir, b, log);
  expect(b.stats().retained).toBe(0);
  expect(existsSync(join(dir, STATE_FILE))).toBe(false);
  expect(readdirSync(dir).some((f) => f.startsWith(`${STATE_FILE}.unreadable-`))).toBe(true);
});
