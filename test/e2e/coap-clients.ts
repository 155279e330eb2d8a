// CoAP clients for the e2e tests: Debian's libcoap `coap-client-openssl` (run to the end,
// or in the background with its output collected, stopped by PID), and a raw UDP socket
// for what no well-behaved client sends (duplicates, Resets, malformed datagrams).
import { type CoapMessage, decode, encode } from "../../src/coap/codec.ts";
import { run } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const COAP_CLIENT = "coap-client-openssl";

/** under CI=true a missing client fails the tests; elsewhere they are skipped */
export const coapClient = requiresTool(COAP_CLIENT, "scripts/setup.sh --test installs Debian's libcoap3-bin");

/** coap-client to completion: its stdout (payload or "4.01 reason"), stderr and exit code */
export const coap = (args: string[], timeoutMs = 10_000) => run([COAP_CLIENT, "-B", "5", ...args], { timeoutMs });

/** coap-client in the background (e.g. `-s 30` observing): output as it arrives, stopped by PID */
export function coapBackground(args: string[]) {
  // line-buffered: a notification is printed when it arrives, not when the client exits
  const proc = Bun.spawn(["stdbuf", "-oL", COAP_CLIENT, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  let out = "";
  let stdout = "";
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  /** stdout without the `-v` message dumps: the data as the client printed it (blocks one after another) */
  const data = () => stdout.replace(/v:1 [^\n]*\n/g, "");
  const pump = async (s: ReadableStream<Uint8Array>, isStdout: boolean) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      const text = dec.decode(chunk);
      out += text;
      if (isStdout) stdout += text;
      for (const w of waiters.slice()) {
        if (!w.test()) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  void pump(proc.stdout, true);
  void pump(proc.stderr, false);
  return {
    proc,
    output: () => out,
    /** resolves once the output (or, `inData`, the data alone) contains `what`; a timeout fails the test */
    waitFor(what: string | RegExp, timeoutMs = 10_000, inData = false): Promise<void> {
      const test = () => {
        const s = inData ? data() : out;
        return typeof what === "string" ? s.includes(what) : what.test(s);
      };
      if (test()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { test, resolve };
        waiters.push(w);
        setTimeout(() => {
          if (waiters.includes(w)) reject(new Error(`coap-client never printed ${what}; it printed:\n${out}`));
        }, timeoutMs);
      });
    },
    async stop() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** a raw UDP CoAP endpoint: send messages, await decoded replies */
export async function rawUdp(port: number) {
  const got: { bytes: Uint8Array; msg?: CoapMessage }[] = [];
  let wake: (() => void) | undefined;
  const s = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(_s, buf) {
        const d = decode(buf);
        got.push({ bytes: new Uint8Array(buf), ...(d.ok ? { msg: d.msg } : {}) });
        wake?.();
      },
    },
  });
  return {
    got,
    send(m: CoapMessage | Uint8Array): number {
      const b = m instanceof Uint8Array ? m : encode(m);
      s.send(b, port, "127.0.0.1");
      return b.length;
    },
    /**
     * A confirmable request and its reply, sent again with the same message id while no
     * reply comes (as a CoAP client does; the server answers a repeat from its dedup table).
     */
    async ask(m: CoapMessage): Promise<{ bytes: Uint8Array; msg?: CoapMessage }> {
      for (let attempt = 0; attempt < 5; attempt++) {
        s.send(encode(m), port, "127.0.0.1");
        const end = Date.now() + 1000;
        while (Date.now() < end) {
          const hit = got.find((g) => g.msg?.type === 2 && g.msg.messageId === m.messageId);
          if (hit) return hit;
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 20);
          });
        }
      }
      throw new Error(`no reply to message id ${m.messageId}`);
    },
    /** the next reply after the `n` already seen */
    async next(n = got.length, timeoutMs = 5000): Promise<{ bytes: Uint8Array; msg?: CoapMessage }> {
      const end = Date.now() + timeoutMs;
      while (got.length <= n) {
        if (Date.now() > end) throw new Error("no CoAP reply in time");
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return got[n]!;
    },
    close: () => s.close(),
  };
}

const enc = new TextEncoder();
/** a request to /channels/<id>/messages with Uri-Path and (optional) auth query options */
export function request(
  o: { type?: 0 | 1; code?: number; mid: number; token?: number[]; channel?: string; auth?: string; observe?: number },
  payload = "",
): CoapMessage {
  const options = [
    ...(o.observe !== undefined
      ? [{ number: 6, value: o.observe === 0 ? new Uint8Array(0) : new Uint8Array([o.observe]) }]
      : []),
    ...["channels", o.channel ?? "ch1", "messages"].map((p) => ({ number: 11, value: enc.encode(p) })),
    ...(o.auth !== undefined ? [{ number: 15, value: enc.encode(`auth=${o.auth}`) }] : []),
  ];
  return {
    type: o.type ?? 0,
    code: o.code ?? 2,
    messageId: o.mid,
    token: new Uint8Array(o.token ?? [0xab]),
    options,
    payload: enc.encode(payload),
  };
}
