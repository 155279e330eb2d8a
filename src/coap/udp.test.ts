// The UDP message layer on a real loopback socket (port 0), with an adapter that answers
// slowly: the separate response of RFC 7252 §5.2.2.
import { expect, test } from "bun:test";
import { createLogger } from "../lib/log.ts";
import type { Adapter } from "./adapter.ts";
import { type CoapMessage, decode, encode, TYPE } from "./codec.ts";
import { createDedup } from "./dedup.ts";
import { createObservers } from "./observe.ts";
import { CODE } from "./options.ts";
import { createCoapStats } from "./stats.ts";
import { listenUdp } from "./udp.ts";

test("a request slower than separateAfterMs gets an empty ACK, then its response as a CON of its own", async () => {
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const adapter: Adapter = {
    handle: async () => {
      await slow;
      return { code: CODE.CHANGED, options: [], payload: new Uint8Array(0) };
    },
  };
  const server = await listenUdp({
    host: "127.0.0.1",
    port: 0,
    adapter,
    observers: createObservers({ current: () => null }),
    dedup: createDedup(),
    stats: createCoapStats(),
    log: createLogger("coap"),
    separateAfterMs: 30,
  });
  const got: CoapMessage[] = [];
  let wake: (() => void) | undefined;
  const client = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, buf) {
        const d = decode(buf);
        if (d.ok) got.push(d.msg);
        wake?.();
      },
    },
  });
  const next = async (n: number) => {
    while (got.length <= n) await new Promise<void>((r) => (wake = r));
    return got[n]!;
  };
  try {
    const req = encode({
      type: TYPE.CON,
      code: CODE.POST,
      messageId: 77,
      token: new Uint8Array([5]),
      options: [],
      payload: new Uint8Array([1]),
    });
    client.send(req, server.port, "127.0.0.1");
    expect(await next(0)).toMatchObject({ type: TYPE.ACK, code: 0, messageId: 77 });
    // the client's retransmission gets the empty ACK again, and is not handled a second time
    client.send(req, server.port, "127.0.0.1");
    expect(await next(1)).toMatchObject({ type: TYPE.ACK, code: 0, messageId: 77 });
    release();
    const response = await next(2);
    expect(response).toMatchObject({ type: TYPE.CON, code: CODE.CHANGED, token: new Uint8Array([5]) });
    expect(response.messageId).not.toBe(77);
    client.send(
      encode({
        type: TYPE.ACK,
        code: 0,
        messageId: response.messageId,
        token: new Uint8Array(0),
        options: [],
        payload: new Uint8Array(0),
      }),
      server.port,
      "127.0.0.1",
    );
  } finally {
    client.close();
    server.stop();
  }
});
