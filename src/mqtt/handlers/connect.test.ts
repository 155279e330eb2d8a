// Each CONNECT step on its own, against a stand-in connection that records what is sent.
// (The whole exchange over real sockets is in broker.test.ts and the e2e tests.)
import { describe, expect, test } from "bun:test";
import type { IConnectPacket, Packet } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import type { AuthResult } from "../hooks.ts";
import { RC } from "../codes.ts";
import {
  attach,
  authenticate,
  CONNECT_STEPS,
  connack,
  connectState,
  limits,
  resume,
  sessionExpiryMs,
  validate,
  will,
} from "./connect.ts";

function fakeConnection(auth: AuthResult | Error = { ok: true, identity: "dev1" }) {
  const sent: Packet[] = [];
  const log: string[] = [];
  let closed = false;
  let resumed = 0;
  const c = {
    state: "connecting",
    version: 4,
    sent,
    log,
    get closed() {
      return closed;
    },
    get resumed() {
      return resumed;
    },
    identified: null as { identity: string | undefined; meta: unknown } | null,
    identify(identity: string | undefined, meta: unknown) {
      c.identified = { identity, meta };
    },
    sendPacket: (p: Packet) => void sent.push(p),
    close: () => void (closed = true),
    clearConnectTimer: () => {},
    transport: { peer: { transport: "tcp", remoteAddress: "127.0.0.1" } },
    core: {
      assignClientId: () => "auto-1",
      opts: { maxPacketSize: 1024 },
      budget: { limits: { persistentExpiryMs: 3_600_000 } },
      conns: { overAddress: () => false, mayConnect: () => true },
      clients: new Map(),
      log: {
        debug: (m: string) => void log.push(m),
        warn: (m: string) => void log.push(m),
        error: (m: string) => void log.push(m),
      },
      sessions: new Map<string, { owner: string | undefined; conn: object | null }>(),
      hooks: {
        authenticate: async () => {
          if (auth instanceof Error) throw auth;
          return auth;
        },
      },
      attach: (_c: unknown, id: string, clean: boolean, expiry: number) => {
        log.push(`attach ${id} clean=${clean} expiry=${expiry}`);
        return { session: { resume: () => void resumed++ }, present: !clean };
      },
      connected: () => void log.push("connected"),
    },
  };
  return c;
}
type Fake = ReturnType<typeof fakeConnection>;
const stateFor = (c: Fake, p: Partial<IConnectPacket>) => {
  const packet = { cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "dev1", ...p } as IConnectPacket;
  const s = connectState(c as unknown as Connection, packet);
  c.version = s.version;
  return s;
};

describe("CONNECT steps", () => {
  test("the steps run in the documented order", () => {
    expect(CONNECT_STEPS).toEqual([validate, will, authenticate, limits, attach, connack, resume]);
  });

  test("validate: an empty id gets an assigned one with a clean session, is refused without one or on 3.1", () => {
    const c = fakeConnection();
    const s = stateFor(c, { clientId: "", clean: true });
    expect(validate(s)).toBe(true);
    expect([s.clientId, s.assigned]).toEqual(["auto-1", true]);
    const c2 = fakeConnection();
    expect(validate(stateFor(c2, { clientId: "", clean: false }))).toBe(false);
    expect(c2.sent[0]).toMatchObject({ cmd: "connack", returnCode: 2 });
    const c3 = fakeConnection();
    expect(validate(stateFor(c3, { clientId: "", protocolVersion: 3, clean: true }))).toBe(false);
  });

  test("validate: a v5 Authentication Method is refused with 0x8C", () => {
    const c = fakeConnection();
    expect(validate(stateFor(c, { protocolVersion: 5, properties: { authenticationMethod: "SCRAM" } }))).toBe(false);
    expect(c.sent[0]).toMatchObject({ cmd: "connack", reasonCode: RC.badAuthenticationMethod });
    expect(c.closed).toBe(true);
  });

  test("will: a copy of the payload with its delay; an invalid topic is 0x90 on v5 and a plain close on v3", () => {
    const c = fakeConnection();
    const payload = Buffer.from("bye");
    const s = stateFor(c, {
      protocolVersion: 5,
      will: { topic: "t/w", payload, qos: 1, retain: true, properties: { willDelayInterval: 2, contentType: "x" } },
    });
    expect(will(s)).toBe(true);
    expect(s.will?.delayMs).toBe(2000);
    expect(s.will?.msg).toMatchObject({ topic: "t/w", qos: 1, retain: true, properties: { contentType: "x" } });
    expect(s.will?.msg.payload).not.toBe(payload);
    const bad5 = fakeConnection();
    expect(will(stateFor(bad5, { protocolVersion: 5, will: { topic: "a/#", payload, qos: 0, retain: false } }))).toBe(
      false,
    );
    expect(bad5.sent[0]).toMatchObject({ reasonCode: RC.topicNameInvalid });
    const bad3 = fakeConnection();
    expect(will(stateFor(bad3, { will: { topic: "a/+", payload, qos: 0, retain: false } }))).toBe(false);
    expect([bad3.sent.length, bad3.closed]).toEqual([0, true]);
  });

  test("authenticate: the hook's refusal becomes the CONNACK; a hook that throws is server unavailable", async () => {
    const refused = fakeConnection({ ok: false, reasonCode: RC.notAuthorized, reason: "no" });
    expect(await authenticate(stateFor(refused, {}))).toBe(false);
    expect(refused.sent[0]).toMatchObject({ cmd: "connack", returnCode: 5 });
    const broken = fakeConnection(new Error("boom"));
    expect(await authenticate(stateFor(broken, {}))).toBe(false);
    expect(broken.sent[0]).toMatchObject({ returnCode: 3 });
    const ok = fakeConnection();
    const s = stateFor(ok, {});
    expect(await authenticate(s)).toBe(true);
    expect(s.auth?.identity).toBe("dev1");
  });

  test("authenticate: a session held by another identity, connected or not, is refused; an anonymous one is anyone's", async () => {
    const c = fakeConnection(); // the hook says dev1
    c.core.sessions.set("cid", { owner: "dev2", conn: null });
    expect(await authenticate(stateFor(c, { clientId: "cid" }))).toBe(false);
    expect(c.sent[0]).toMatchObject({ cmd: "connack", returnCode: 5 });
    const mine = fakeConnection();
    mine.core.sessions.set("cid", { owner: "dev1", conn: {} });
    expect(await authenticate(stateFor(mine, { clientId: "cid" }))).toBe(true);
    const anon = fakeConnection();
    anon.core.sessions.set("cid", { owner: undefined, conn: null });
    expect(await authenticate(stateFor(anon, { clientId: "cid" }))).toBe(true);
  });

  test("authenticate: a socket that closed while the hook ran gets nothing", async () => {
    const c = fakeConnection();
    const s = stateFor(c, {});
    c.state = "closed";
    expect(await authenticate(s)).toBe(false);
    expect(c.sent).toEqual([]);
  });

  test("limits: identity, keep-alive and the v5 client limits land on the connection", () => {
    const c = fakeConnection();
    const s = stateFor(c, {
      protocolVersion: 5,
      keepalive: 30,
      properties: { receiveMaximum: 10, maximumPacketSize: 2048, requestProblemInformation: false },
    });
    s.auth = { ok: true, identity: "dev1", meta: { k: 1 } };
    expect(limits(s)).toBe(true);
    const conn = c as unknown as Connection;
    expect(c.identified).toEqual({ identity: "dev1", meta: { k: 1 } }); // the connection is now the client (Connection.client)
    expect([
      conn.keepaliveMs,
      conn.limits.receiveMaximum,
      conn.limits.maximumPacketSize,
      conn.limits.problemInfo,
    ]).toEqual([30_000, 10, 2048, false]);
  });

  test("session expiry: v5 interval (0xFFFFFFFF = never), v3 clean = 0, v3 persistent = forever", () => {
    expect(sessionExpiryMs(5, true, 60)).toBe(60_000);
    expect(sessionExpiryMs(5, false, 0xffffffff)).toBe(Infinity);
    expect(sessionExpiryMs(5, false)).toBe(0);
    expect(sessionExpiryMs(4, true)).toBe(0);
    expect(sessionExpiryMs(4, false)).toBe(Infinity);
  });

  test("attach, connack, resume: session present, v5 CONNACK properties with the assigned id, then redelivery", () => {
    const c = fakeConnection();
    const s = stateFor(c, { protocolVersion: 5, clientId: "", clean: true, properties: { sessionExpiryInterval: 5 } });
    expect(validate(s) && attach(s) && connack(s) && resume(s)).toBe(true);
    expect(c.log).toEqual(["attach auto-1 clean=true expiry=5000", "connected"]);
    expect(c.sent[0]).toMatchObject({
      cmd: "connack",
      reasonCode: 0,
      sessionPresent: false,
      properties: { maximumPacketSize: 1024, assignedClientIdentifier: "auto-1", receiveMaximum: 1024 },
    });
    expect(c.state).toBe("connected");
    expect(c.resumed).toBe(1);
  });

  test("attach: a session that asks to live for ever gets Mqtt.PersistentSessionExpiry (v5: in CONNACK)", () => {
    const v3 = fakeConnection();
    const s3 = stateFor(v3, { protocolVersion: 4, clientId: "p3", clean: false });
    expect(attach(s3)).toBe(true);
    expect(v3.log).toEqual(["attach p3 clean=false expiry=3600000"]);
    const v5 = fakeConnection();
    const s5 = stateFor(v5, {
      protocolVersion: 5,
      clientId: "p5",
      clean: false,
      properties: { sessionExpiryInterval: 0xffffffff },
    });
    expect(attach(s5) && connack(s5)).toBe(true);
    expect(v5.log[0]).toBe("attach p5 clean=false expiry=3600000");
    expect(v5.sent[0]).toMatchObject({ properties: { sessionExpiryInterval: 3600 } });
  });
});
