import { expect, test } from "bun:test";
import fc from "fast-check";
import { makePrincipal } from "../auth/index.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { type AcceptResult, channelPath, type CoapPeer, type CoapRequest, createAdapter } from "./adapter.ts";
import { createBlock1 } from "./block1.ts";
import { encode, encodeOptions } from "./codec.ts";
import { createDoor } from "./door.ts";
import { createObservers } from "./observe.ts";
import { CODE, OPT } from "./options.ts";

const enc = new TextEncoder();
const device = {
  ...makePrincipal("dev", "client", ["channels:publish:c1", "channels:subscribe:c1", "channels:publish:gone"]),
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
    // c1 and c2 in the default domain, p1 in domain "plant" (route) = "dom-p"
    channel: (id: string, domain?: string) => {
      const home = id === "p1" ? "dom-p" : id === "c1" || id === "c2" ? DEFAULT_DOMAIN_ID : undefined;
      if (!home) return undefined;
      if (
        domain !== undefined &&
        ({ plant: "dom-p", "dom-p": "dom-p", default: DEFAULT_DOMAIN_ID }[domain] ?? domain) !== home
      )
        return undefined;
      return { domainId: home };
    },
    domainOf: (d: string) => ({ plant: "dom-p", "dom-p": "dom-p", default: DEFAULT_DOMAIN_ID })[d],
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

test("Mainflux paths /channels/<id>/messages[/sub...] and SuperMQ's /m/<domain>/c/<id>[/sub...]; no wildcards or empty levels", () => {
  expect(channelPath(["channels", "c1", "messages"])).toEqual({ channelId: "c1", subtopic: "" });
  expect(channelPath(["channels", "c1", "messages", "a", "b"])).toEqual({ channelId: "c1", subtopic: "a/b" });
  expect(channelPath(["m", "d", "c", "c1"])).toEqual({ channelId: "c1", subtopic: "", domain: "d" });
  expect(channelPath(["m", "d", "c", "c1", "a", "b"])).toEqual({ channelId: "c1", subtopic: "a/b", domain: "d" });
  for (const bad of [
    ["channels", "c1"],
    ["m", "d", "c"],
    ["m", "d", "x", "c1"],
    ["m", "+", "c", "c1"],
    ["m", "", "c", "c1"],
    ["m", "d", "c", "#"],
    ["m", "d", "c", "c1", ""],
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

test("codes: 4.01 bad key, 4.03 no right (whether the channel exists or not, as HTTP), 4.04 unknown channel only with the right, 4.05, 4.15, 4.13, 5.03 with Max-Age", async () => {
  const { adapter, audit } = setup(async () => ({ ok: false, status: 500, reason: "no space" }));
  const code = async (r: CoapRequest) => (await adapter.handle(r, peer)).code;
  expect(await code(req({ auth: "bad" }))).toBe(CODE.UNAUTHORIZED);
  expect(await code(req({ auth: "good", path: ["channels", "nope", "messages"] }))).toBe(CODE.FORBIDDEN);
  expect(await code(req({ auth: "good", path: ["channels", "c2", "messages"] }))).toBe(CODE.FORBIDDEN);
  expect(await code(req({ auth: "good", path: ["channels", "gone", "messages"] }))).toBe(CODE.NOT_FOUND);
  expect(await code(req({ code: CODE.PUT, auth: "good" }))).toBe(CODE.METHOD_NOT_ALLOWED);
  expect(await code(req({ auth: "good", format: 112 }))).toBe(CODE.UNSUPPORTED_CONTENT_FORMAT);
  expect(await code(req({ auth: "good" }, "x".repeat(101)))).toBe(CODE.REQUEST_ENTITY_TOO_LARGE);
  const failed = await adapter.handle(req({ auth: "good" }, "x"), peer);
  expect(failed.code).toBe(CODE.SERVICE_UNAVAILABLE);
  expect(failed.options.map((o) => o.number)).toContain(OPT.MAX_AGE);
  expect(audit.map((e) => [e.kind, e.result])).toEqual([
    ["auth", "fail"],
    ["deny", "fail"],
    ["deny", "fail"],
    ["auth", "ok"],
  ]);
});

test("/m/<domain>/c/<id>: the right is asked in the channel's domain, or the named one for a missing channel (4.03 without it, 4.04 with it)", async () => {
  const { adapter, accepted } = setup();
  const code = async (path: string[]) => (await adapter.handle(req({ auth: "good", path }, "x"), peer)).code;
  // the device lives in the default domain: its channel by the default route or id
  expect(await code(["m", "default", "c", "c1", "room"])).toBe(CODE.CHANGED);
  expect(accepted[0]).toEqual(["c1", "room", new TextEncoder().encode("x"), undefined, "dev", "default"]);
  expect(await code(["m", DEFAULT_DOMAIN_ID, "c", "c1"])).toBe(CODE.CHANGED);
  // the wrong domain in the path, or none such: no right there (the same 4.03 as for an existing channel)
  expect(await code(["m", "plant", "c", "c1"])).toBe(CODE.FORBIDDEN);
  expect(await code(["m", "nowhere", "c", "c1"])).toBe(CODE.FORBIDDEN);
  // a missing channel the key has the right to, in its own domain: 4.04
  expect(await code(["m", "default", "c", "gone"])).toBe(CODE.NOT_FOUND);
  // a channel of another domain: refused whatever the path says
  expect(await code(["m", "plant", "c", "p1"])).toBe(CODE.FORBIDDEN);
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
