import { expect, test } from "bun:test";
import fc from "fast-check";
import { makePrincipal } from "../auth/index.ts";
import { type AcceptResult, channelPath, type CoapPeer, type CoapRequest, createAdapter } from "./adapter.ts";
import { createBlock1 } from "./block1.ts";
import { encode, encodeOptions } from "./codec.ts";
import { createDoor } from "./door.ts";
import { createObservers } from "./observe.ts";
import { CODE, OPT } from "./options.ts";

const enc = new TextEncoder();
const device = {
  ...makePrincipal("dev", "client", ["channels:publish:c1", "channels:subscribe:c1"]),
  ref: { kind: "client", id: "dev", form: "token", generation: "f" } as const,
  expiresAt: Number.POSITIVE_INFINITY,
};

function setup(accept: (...a: unknown[]) => Promise<AcceptResult> = async () => ({ ok: true, stored: 1 })) {
  const accepted: unknown[][] = [];
  const audit: { kind: string; result: string }[] = [];
  const adapter = createAdapter({
    door: createDoor({
      identify: (c) =>
        c.token === "good"
          ? { ok: true, principal: device }
          : { ok: false, kind: "guess", form: "token", reason: "token refused: invalid token" },
      guard: { check: () => ({ ok: true }), failed: () => undefined },
      audit: { record: (e) => audit.push(e) },
      markUsed: () => {},
    }),
    observers: createObservers({ current: () => device }),
    block1: createBlock1({ maxBodyBytes: 100 }),
    channelExists: (id) => id === "c1",
    accept: async (...a) => {
      accepted.push(a);
      return accept(...a);
    },
    maxBodyBytes: 100,
  });
  return { adapter, accepted, audit };
}

const peer: CoapPeer = {
  key: "udp|1.2.3.4|5",
  address: "1.2.3.4",
  listener: "coap",
  spoofable: true,
  sink: () => ({ send() {}, closed() {}, confirmed: () => true }),
};
function req(
  o: { code?: number; path?: string[]; auth?: string; format?: number; observe?: number; token?: number[] },
  payload = "",
): CoapRequest {
  const options = [
    ...(o.observe !== undefined
      ? [{ number: OPT.OBSERVE, value: o.observe ? new Uint8Array([o.observe]) : new Uint8Array(0) }]
      : []),
    ...(o.path ?? ["channels", "c1", "messages"]).map((p) => ({ number: OPT.URI_PATH, value: enc.encode(p) })),
    ...(o.format !== undefined
      ? [{ number: OPT.CONTENT_FORMAT, value: o.format ? new Uint8Array([o.format]) : new Uint8Array(0) }]
      : []),
    ...(o.auth !== undefined ? [{ number: OPT.URI_QUERY, value: enc.encode(`auth=${o.auth}`) }] : []),
  ];
  const token = new Uint8Array(o.token ?? [1]);
  const m = { type: 0 as const, code: o.code ?? CODE.POST, messageId: 1, token, options, payload: enc.encode(payload) };
  return { code: m.code, token, options, payload: m.payload, bytes: encode(m).length, confirmable: true };
}

test("Mainflux paths: /channels/<id>/messages[/sub...]; nothing else, no wildcards or empty levels", () => {
  expect(channelPath(["channels", "c1", "messages"])).toEqual({ channelId: "c1", subtopic: "" });
  expect(channelPath(["channels", "c1", "messages", "a", "b"])).toEqual({ channelId: "c1", subtopic: "a/b" });
  for (const bad of [
    ["channels", "c1"],
    ["m", "d", "c", "c1"],
    ["channels", "+", "messages"],
    ["channels", "c1", "messages", ""],
    ["channels", "c1", "messages", "#"],
  ])
    expect(channelPath(bad)).toBeUndefined();
});

test("a POST goes to the channel path with its content type and publisher: 2.04", async () => {
  const { adapter, accepted } = setup();
  const r = await adapter.handle(
    req({ auth: "good", format: 110, path: ["channels", "c1", "messages", "room"] }, "[]"),
    peer,
  );
  expect(r.code).toBe(CODE.CHANGED);
  expect(accepted[0]?.slice(0, 2)).toEqual(["c1", "room"]);
  expect(accepted[0]?.[3]).toBe("application/senml+json");
  expect(accepted[0]?.[4]).toBe("dev");
});

test("codes: 4.01 bad key, 4.03 no right, 4.04 unknown channel (only after the right), 4.05, 4.15, 4.13, 5.03 with Max-Age", async () => {
  const { adapter, audit } = setup(async () => ({ ok: false, status: 500, reason: "no space" }));
  const code = async (r: CoapRequest) => (await adapter.handle(r, peer)).code;
  expect(await code(req({ auth: "bad" }))).toBe(CODE.UNAUTHORIZED);
  expect(await code(req({ auth: "good", path: ["channels", "c2", "messages"] }))).toBe(CODE.FORBIDDEN);
  expect(await code(req({ code: CODE.PUT, auth: "good" }))).toBe(CODE.METHOD_NOT_ALLOWED);
  expect(await code(req({ auth: "good", format: 112 }))).toBe(CODE.UNSUPPORTED_CONTENT_FORMAT);
  expect(await code(req({ auth: "good" }, "x".repeat(101)))).toBe(CODE.REQUEST_ENTITY_TOO_LARGE);
  const failed = await adapter.handle(req({ auth: "good" }, "x"), peer);
  expect(failed.code).toBe(CODE.SERVICE_UNAVAILABLE);
  expect(failed.options.map((o) => o.number)).toContain(OPT.MAX_AGE);
  expect(audit.map((e) => [e.kind, e.result])).toEqual([
    ["auth", "fail"],
    ["deny", "fail"],
    ["auth", "ok"],
  ]);
});

test("a refusal to a UDP source is never larger than the request that caused it", async () => {
  const { adapter } = setup();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.string({ minLength: 0, maxLength: 12 }), { maxLength: 4 }),
      fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      fc.constantFrom(CODE.GET, CODE.POST, CODE.PUT, CODE.DELETE),
      fc.uint8Array({ maxLength: 8 }),
      async (path, auth, method, token) => {
        const r = req({ code: method, path, token: [...token], ...(auth !== undefined ? { auth } : {}) });
        const reply = await adapter.handle(r, peer);
        if (reply.code >= 0x80)
          expect(4 + token.length + encodeOptions(reply.options, reply.payload).length).toBeLessThanOrEqual(r.bytes);
      },
    ),
    { numRuns: 300 },
  );
});

test("GET with Observe 0 registers (2.05 with Observe), Observe 1 ends it, a plain GET is 4.00", async () => {
  const { adapter } = setup();
  const reg = await adapter.handle(req({ code: CODE.GET, auth: "good", observe: 0 }), peer);
  expect(reg.code).toBe(CODE.CONTENT);
  expect(reg.options.map((o) => o.number)).toEqual([OPT.OBSERVE]);
  const end = await adapter.handle(req({ code: CODE.GET, auth: "good", observe: 1 }), peer);
  expect(end).toMatchObject({ code: CODE.CONTENT, options: [] });
  expect((await adapter.handle(req({ code: CODE.GET, auth: "good" }), peer)).code).toBe(CODE.BAD_REQUEST);
});
