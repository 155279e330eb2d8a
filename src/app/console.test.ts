import { describe, expect, test } from "bun:test";
import { makePrincipal } from "../auth/index.ts";
import { consoleConnect, consoleMay, isConsoleSession } from "./console.ts";

const viewer = { name: "viewer", principal: makePrincipal("viewer", "user", ["topics:subscribe:plant/#"]) };
const sessions = new Map([
  ["tok-1", { name: "admin", principal: makePrincipal("admin", "user", ["topics:subscribe:#"]) }],
  ["tok-2", viewer],
]);
const sessionUser = (t: string) => sessions.get(t);
const req = (o: { transport?: string; username?: string; password?: string; clientId?: string } = {}) => ({
  clientId: o.clientId ?? "neo-console-1",
  ...(o.username !== undefined ? { username: o.username } : {}),
  ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
  peer: { transport: o.transport ?? "ws" },
});

describe("console MQTT sessions", () => {
  test("a live web session over WebSocket, with its user's name, is let in as a console session", () => {
    const r = consoleConnect(req({ username: "admin", password: "tok-1" }), sessionUser, () => undefined);
    expect(r?.ok).toBe(true);
    if (r?.ok) expect(isConsoleSession(r.meta)).toBe(true);
  });

  test("anything else is left to the normal checks: TCP, another user's name, an unknown or missing token", () => {
    const none = () => undefined;
    expect(consoleConnect(req({ transport: "tcp", username: "admin", password: "tok-1" }), sessionUser, none)).toBe(
      undefined,
    );
    expect(consoleConnect(req({ username: "bob", password: "tok-1" }), sessionUser, none)).toBe(undefined);
    expect(consoleConnect(req({ username: "admin", password: "nope" }), sessionUser, none)).toBe(undefined);
    expect(consoleConnect(req({ username: "admin" }), sessionUser, none)).toBe(undefined);
  });

  test("a client id whose session belongs to a key is refused, not taken over", () => {
    const r = consoleConnect(
      req({ username: "admin", password: "tok-1", clientId: "sensor-1" }),
      sessionUser,
      () => "sensor-1",
    );
    expect(r).toEqual({ ok: false, reason: 'client id "sensor-1" holds another client\'s session' });
  });

  test("a console session watches only what its user's topics:subscribe scopes allow", () => {
    const r = consoleConnect(req({ username: "viewer", password: "tok-2" }), sessionUser, () => undefined);
    if (!r?.ok) throw new Error("viewer not let in");
    expect(consoleMay(r.meta, "plant/line1")).toBe(true);
    expect(consoleMay(r.meta, "plant/#")).toBe(true);
    expect(consoleMay(r.meta, "office/door")).toBe(false);
    // "#" overlaps plant/#: the SUBSCRIBE is let in and each delivery is checked (office/door above)
    expect(consoleMay(r.meta, "#")).toBe(true);
  });
});
