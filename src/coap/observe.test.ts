import { expect, test } from "bun:test";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { makePrincipal } from "../auth/index.ts";
import { readUint } from "./codec.ts";
import { createObservers, type Notification } from "./observe.ts";
import { CODE, OPT, option, readBlock } from "./options.ts";

const connected = makePrincipal("dev", "client", ["channels:subscribe:c"]);
const disconnected = makePrincipal("dev", "client", ["channels:subscribe:other"]);

function setup(allowed = { v: true }, valid = { v: true }) {
  const got: Notification[] = [];
  let closed = 0;
  const obs = createObservers({
    current: () => (valid.v ? (allowed.v ? connected : disconnected) : null),
    maxPerPeer: 2,
  });
  const reg = (peer: string, token: number, topic = "channels/c/messages") =>
    obs.register({
      peer,
      token: new Uint8Array([token]),
      topic,
      principal: allowed.v ? connected : disconnected,
      channelId: "c",
      domainId: DEFAULT_DOMAIN_ID,
      clientId: "dev",
      ref: { kind: "client", id: "dev", form: "token", generation: "f" },
      expiresAt: Number.POSITIVE_INFINITY,
      szx: 2,
      sink: { send: (n) => got.push(n), closed: () => closed++, confirmed: () => true },
    });
  return { obs, got, reg, closed: () => closed };
}

test("notifications carry increasing Observe numbers; a large one goes out as its first block", () => {
  const { obs, got, reg } = setup();
  expect(reg("p", 1).ok).toBe(true);
  obs.fanout("channels/c/messages", new Uint8Array([1]));
  obs.fanout("channels/other/messages", new Uint8Array([1]));
  obs.fanout("channels/c/messages", new Uint8Array(200).fill(7));
  expect(got.length).toBe(2);
  const seqs = got.map((n) => readUint(option(n, OPT.OBSERVE)!.value));
  expect(seqs[1]).toBe(seqs[0]! + 1);
  expect(readBlock(got[1]!, OPT.BLOCK2)).toEqual({ num: 0, more: true, szx: 2 });
  expect(got[1]!.payload.length).toBe(64);
  expect(readUint(option(got[1]!, OPT.SIZE2)!.value)).toBe(200);
  expect(obs.representation("p", "channels/c/messages", 1)?.payload.length).toBe(200);
});

test("rights lost: a final 4.03 without Observe ends it; a dead key gets 4.01 at the re-check", () => {
  const allowed = { v: true };
  const valid = { v: true };
  const { obs, got, reg, closed } = setup(allowed, valid);
  reg("p", 1);
  reg("q", 1);
  allowed.v = false;
  expect(obs.revalidate()).toBe(2);
  expect(got.map((n) => [n.code, n.final, option(n, OPT.OBSERVE)])).toEqual([
    [CODE.FORBIDDEN, true, undefined],
    [CODE.FORBIDDEN, true, undefined],
  ]);
  expect(obs.count()).toBe(0);
  expect(closed()).toBe(2);
  allowed.v = true;
  reg("p", 2);
  valid.v = false;
  expect(obs.revalidate()).toBe(1);
  expect(got.at(-1)?.code).toBe(CODE.UNAUTHORIZED);
});

test("bounded per peer; the same token again replaces; Observe 1 / Reset deregisters without a notification", () => {
  const { obs, got, reg } = setup();
  reg("p", 1);
  reg("p", 1);
  expect(obs.count()).toBe(1);
  reg("p", 2);
  expect(reg("p", 3)).toMatchObject({ ok: false });
  expect(obs.deregister("p", new Uint8Array([1]))).toBe(true);
  expect(obs.deregister("p", new Uint8Array([1]))).toBe(false);
  obs.dropPeer("p");
  expect(obs.count()).toBe(0);
  expect(got.length).toBe(0);
});

test("until the client acknowledged one, each block of a large notification is served once", () => {
  const obs = createObservers({ current: () => connected });
  let confirmed = false;
  obs.register({
    peer: "p",
    token: new Uint8Array([1]),
    topic: "channels/c/messages",
    principal: connected,
    channelId: "c",
    domainId: DEFAULT_DOMAIN_ID,
    clientId: "dev",
    ref: { kind: "client", id: "dev", form: "token", generation: "f" },
    expiresAt: Number.POSITIVE_INFINITY,
    szx: 2,
    sink: { send: () => {}, closed: () => {}, confirmed: () => confirmed },
  });
  obs.fanout("channels/c/messages", new Uint8Array(300));
  expect(obs.representation("p", "channels/c/messages", 1)).toBeDefined();
  expect(obs.representation("p", "channels/c/messages", 1)).toBeUndefined();
  expect(obs.representation("p", "channels/c/messages", 2)).toBeDefined();
  confirmed = true;
  expect(obs.representation("p", "channels/c/messages", 1)).toBeDefined();
  expect(obs.representation("p", "channels/c/messages", 1)).toBeDefined();
});
