import { expect, test } from "bun:test";
import { createLogger } from "../lib/log.ts";
import { sweepOrphanSessions } from "./orphan-sessions.ts";

test("offline sessions of keys that can no longer connect are ended; anonymous and usable ones stay", () => {
  const sessions = [
    { clientId: "a1", owner: "alive" },
    { clientId: "d1", owner: "dead" },
    { clientId: "d2", owner: "dead" },
    { clientId: "anon", owner: undefined },
  ];
  const lookups: string[] = [];
  const ended: string[] = [];
  const n = sweepOrphanSessions({
    offlineSessions: () => sessions,
    discardSession: (id) => {
      ended.push(id);
      return true;
    },
    usable: (s) => {
      lookups.push(s.clientId);
      return s.owner === "alive";
    },
    log: createLogger("test"),
  });
  expect(n).toBe(2);
  expect(ended).toEqual(["d1", "d2"]);
  expect(lookups).toEqual(["a1", "d1", "d2"]);
});

test("a session whose client came back in the meantime is not counted", () => {
  const n = sweepOrphanSessions({
    offlineSessions: () => [{ clientId: "x", owner: "dead" }],
    discardSession: () => false,
    usable: () => false,
    log: createLogger("test"),
  });
  expect(n).toBe(0);
});
