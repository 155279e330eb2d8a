// The CoAP message layer over UDP with a raw socket, for what no well-behaved client
// sends: duplicates (answered from the dedup table, stored once), Resets, pings and
// malformed datagrams, forged-looking registrations, random bytes, and the bounds (no
// reply larger than an unauthenticated request, observations per endpoint).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decode } from "../../src/coap/codec.ts";
import { rawUdp, request } from "./coap-clients.ts";
import { openGateway, type Gateway } from "./fixture.ts";
import { eventually, neo } from "./harness.ts";

let gw: Gateway & { close(): Promise<void> };
let port: number;

beforeAll(async () => {
  gw = await openGateway({
    config: 'Coap { Listen = "127.0.0.1:0" }\nHttp { MetricsPublic = true }\n',
    keys: ["dev1", "watcher"],
  });
  port = Number(gw.srv.ready.coap?.split(":")[1]);
  for (const args of [
    ["channel", "create", "ch1"],
    ["channel", "connect", "ch1", "dev1"],
    ["channel", "connect", "ch1", "watcher"],
  ]) {
    const r = await neo(["shell", ...args, "--data", gw.srv.data]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}, 30_000);
afterAll(async () => {
  await gw?.close();
});

describe("the message layer, with a raw UDP socket", () => {
  test("a duplicate CON gets the same ACK and is stored once", async () => {
    const u = await rawUdp(port);
    try {
      const m = request({ mid: 0x4242, auth: gw.keys.dev1!.token }, '[{"n":"dup","t":1700000500,"v":1}]');
      u.send(m);
      const first = await u.next(0);
      u.send(m);
      const second = await u.next(1);
      expect(first.msg).toMatchObject({ type: 2, code: 0x44, messageId: 0x4242 });
      expect([...second.bytes]).toEqual([...first.bytes]);
      expect((await gw.query("select count(*) from ch1 where NAME = 'dup'")).body.data.rows[0]?.[0]).toBe(1);
    } finally {
      u.close();
    }
  });

  test("no amplification: replies to unauthenticated requests are never larger than the request", async () => {
    const u = await rawUdp(port);
    try {
      const cases = [
        request({ mid: 1, token: [] }),
        request({ mid: 2, auth: "x" }),
        request({ mid: 3, auth: "nope:b:00", channel: "ch1" }, "some payload"),
        request({ mid: 4, code: 3, token: [] }),
        request({ mid: 5, channel: "unknown", token: [1, 2, 3, 4, 5, 6, 7, 8] }),
        { ...request({ mid: 6 }), options: [] },
      ];
      for (const [i, c] of cases.entries()) {
        const sent = u.send(c);
        const reply = await u.next(i);
        expect(reply.bytes.length).toBeLessThanOrEqual(sent);
        expect(reply.msg?.code ?? 0).toBeGreaterThanOrEqual(0x80);
      }
    } finally {
      u.close();
    }
  });

  test("a CoAP ping and a malformed CON get a 4-byte Reset; a malformed NON gets nothing", async () => {
    const u = await rawUdp(port);
    try {
      u.send(new Uint8Array([0x40, 0, 0x12, 0x34]));
      const ping = await u.next(0);
      expect([...ping.bytes]).toEqual([0x70, 0, 0x12, 0x34]);
      u.send(new Uint8Array([0x51, 0x02, 0x00, 0x07, 0xaa, 0xff])); // NON, marker without payload
      u.send(new Uint8Array([0x41, 0x02, 0x00, 0x08, 0xaa, 0xff])); // CON, the same
      const rst = await u.next(1);
      expect([...rst.bytes]).toEqual([0x70, 0, 0x00, 0x08]);
      expect(decode(rst.bytes)).toMatchObject({ ok: true, msg: { type: 3 } });
    } finally {
      u.close();
    }
  });

  test("a Reset to a notification ends the observation; Observe 1 does too", async () => {
    const u = await rawUdp(port);
    try {
      const metric = async () => Number(/neo_coap_observers (\d+)/.exec(await (await gw.http("/metrics")).text())?.[1]);
      // observers the coap-client runs above left behind (killed, they never said goodbye)
      const before = await metric();
      u.send(request({ mid: 10, code: 1, observe: 0, auth: gw.keys.watcher!.token, token: [7] }));
      expect((await u.next(0)).msg).toMatchObject({ code: 0x45 });
      expect(await metric()).toBe(before + 1);
      const pub = await gw.conn({ username: "dev1", password: gw.keys.dev1!.token });
      await pub.publishAsync("channels/ch1/messages", "n1", { qos: 1 });
      const n = await u.next(1);
      expect(n.msg).toMatchObject({ type: 0, code: 0x45, token: new Uint8Array([7]) });
      u.send({
        type: 3,
        code: 0,
        messageId: n.msg!.messageId,
        token: new Uint8Array(0),
        options: [],
        payload: new Uint8Array(0),
      });
      await eventually(async () => (await metric()) <= before);
      const left = await metric();
      u.send(request({ mid: 11, code: 1, observe: 0, auth: gw.keys.watcher!.token, token: [8] }));
      await u.next(2);
      expect(await metric()).toBe(left + 1);
      u.send(request({ mid: 12, code: 1, observe: 1, auth: gw.keys.watcher!.token, token: [8] }));
      expect((await u.next(3)).msg).toMatchObject({ code: 0x45, options: [] });
      expect(await metric()).toBe(left);
      await pub.endAsync();
    } finally {
      u.close();
    }
  });

  test("a NON observation gets nothing more until it acknowledges its first (confirmable) notification", async () => {
    const u = await rawUdp(port);
    const sent = async () =>
      Number(/neo_coap_notifications_total (\d+)/.exec(await (await gw.http("/metrics")).text())?.[1] ?? 0);
    try {
      u.send(request({ type: 1, mid: 20, code: 1, observe: 0, auth: gw.keys.watcher!.token, token: [9] }));
      expect((await u.next(0)).msg).toMatchObject({ type: 1, code: 0x45 });
      const before = await sent();
      const pub = await gw.conn({ username: "dev1", password: gw.keys.dev1!.token });
      for (let i = 0; i < 5; i++) await pub.publishAsync("channels/ch1/messages", `non-${i}`, { qos: 1 });
      const first = await u.next(1);
      expect(first.msg).toMatchObject({ type: 0, code: 0x45, token: new Uint8Array([9]) });
      // all five were handed to the observation; only the first went out (a forged address gets no more)
      await eventually(async () => (await sent()) >= before + 5);
      expect(u.got.length).toBe(2);
      u.send({
        type: 2,
        code: 0,
        messageId: first.msg!.messageId,
        token: new Uint8Array(0),
        options: [],
        payload: new Uint8Array(0),
      });
      const second = await u.next(2);
      expect(new TextDecoder().decode(second.msg!.payload)).toBe("non-1");
      u.send({
        type: 2,
        code: 0,
        messageId: second.msg!.messageId,
        token: new Uint8Array(0),
        options: [],
        payload: new Uint8Array(0),
      });
      await pub.endAsync();
    } finally {
      u.send(request({ mid: 21, code: 1, observe: 1, auth: gw.keys.watcher!.token, token: [9] }));
      u.close();
    }
  });

  test("random datagrams never stop the listener: it still answers a good request after 3,000 of them", async () => {
    const u = await rawUdp(port);
    try {
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
      for (let i = 0; i < 3000; i++) {
        const b = new Uint8Array(rnd() % 80);
        for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
        // mostly version 1 headers, so the option parser is what gets exercised
        if (b.length > 0 && i % 4 !== 0) b[0] = 0x40 | (b[0]! & 0x3f);
        u.send(b);
      }
      // the burst may overflow the socket buffer: ask again (a new message id each time) until answered
      const asked = new Set<number>();
      await eventually(() => {
        const mid = 0x7000 + asked.size;
        asked.add(mid);
        u.send(request({ mid, auth: gw.keys.dev1!.token }, "after-fuzz"));
        return u.got.some((g) => asked.has(g.msg?.messageId ?? -1) && g.msg?.code === 0x44 && g.msg.type === 2);
      });
    } finally {
      u.close();
    }
  });

  test("observations are bounded per endpoint: the 65th gets 5.03 and the first 64 end with Observe 1", async () => {
    const u = await rawUdp(port);
    try {
      for (let i = 0; i < 65; i++) {
        const r = await u.ask(
          request({ mid: 300 + i, code: 1, observe: 0, auth: gw.keys.watcher!.token, token: [0xc0, i] }),
        );
        expect(r.msg?.code).toBe(i < 64 ? 0x45 : 0xa3);
        if (i === 64) expect(new TextDecoder().decode(r.msg!.payload)).toContain("at most 64 observations");
      }
      for (let i = 0; i < 64; i++) {
        const r = await u.ask(
          request({ mid: 400 + i, code: 1, observe: 1, auth: gw.keys.watcher!.token, token: [0xc0, i] }),
        );
        expect(r.msg?.code).toBe(0x45);
      }
    } finally {
      u.close();
    }
  });
});
