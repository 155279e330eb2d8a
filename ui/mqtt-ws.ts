// A minimal MQTT 3.1.1 client over WebSocket for the console's Live page: CONNECT with
// the web session, SUBSCRIBE / UNSUBSCRIBE at QoS 0, PINGREQ, and incoming PUBLISH. It
// never publishes (the gateway refuses a console session's PUBLISH anyway).

export interface LiveMessage {
  topic: string;
  payload: Uint8Array;
  retain: boolean;
  at: number;
}

export interface LiveClient {
  subscribe(filter: string): Promise<void>;
  unsubscribe(filter: string): void;
  close(): void;
}

const enc = new TextEncoder();

function str(s: string): number[] {
  const b = enc.encode(s);
  return [b.length >> 8, b.length & 0xff, ...b];
}

function remaining(n: number): number[] {
  const out: number[] = [];
  do {
    let d = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) d |= 0x80;
    out.push(d);
  } while (n > 0);
  return out;
}

const packet = (first: number, body: number[]) => new Uint8Array([first, ...remaining(body.length), ...body]);

export function connectLive(opts: {
  user: string;
  session: string;
  clientId: string;
  onMessage(m: LiveMessage): void;
  onClose(reason: string): void;
}): Promise<LiveClient> {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/mqtt`, ["mqtt"]);
  ws.binaryType = "arraybuffer";
  let buf = new Uint8Array(0);
  let lastId = 0;
  const nextId = () => (lastId = (lastId % 65535) + 1);
  const pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  let ping: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  return new Promise<LiveClient>((resolve, reject) => {
    const fail = (reason: string) => {
      if (closed) return;
      closed = true;
      clearInterval(ping);
      for (const p of pending.values()) p.reject(new Error(reason));
      pending.clear();
      reject(new Error(reason));
      opts.onClose(reason);
      try {
        ws.close();
      } catch {}
    };
    const client: LiveClient = {
      subscribe(filter) {
        const id = nextId();
        ws.send(packet(0x82, [id >> 8, id & 0xff, ...str(filter), 0]));
        return new Promise((res, rej) => pending.set(id, { resolve: res, reject: rej }));
      },
      unsubscribe(filter) {
        const id = nextId();
        if (ws.readyState === WebSocket.OPEN) ws.send(packet(0xa2, [id >> 8, id & 0xff, ...str(filter)]));
      },
      close() {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        if (ws.readyState === WebSocket.OPEN) ws.send(new Uint8Array([0xe0, 0]));
        ws.close();
      },
    };

    ws.onopen = () => {
      const body = [
        ...str("MQTT"),
        4,
        0x80 | 0x40 | 0x02, // user name, password, clean session
        0,
        30, // keep alive 30 s
        ...str(opts.clientId),
        ...str(opts.user),
        ...str(opts.session),
      ];
      ws.send(packet(0x10, body));
    };
    ws.onerror = () => fail("the connection to the gateway failed");
    ws.onclose = () => fail("the gateway closed the connection");
    ws.onmessage = (ev) => {
      const chunk = new Uint8Array(ev.data as ArrayBuffer);
      const joined = new Uint8Array(buf.length + chunk.length);
      joined.set(buf);
      joined.set(chunk, buf.length);
      buf = joined;
      for (;;) {
        if (buf.length < 2) return;
        let len = 0;
        let mul = 1;
        let i = 1;
        for (;;) {
          if (i >= buf.length) return;
          const b = buf[i++] as number;
          len += (b & 0x7f) * mul;
          mul *= 128;
          if ((b & 0x80) === 0) break;
          if (i > 4) return fail("malformed packet from the gateway");
        }
        if (buf.length < i + len) return;
        const type = (buf[0] as number) >> 4;
        const flags = (buf[0] as number) & 0x0f;
        const body = buf.subarray(i, i + len);
        buf = buf.slice(i + len);
        if (type === 2) {
          const code = body[1] ?? 0;
          if (code !== 0) {
            const why: Record<number, string> = {
              4: "the gateway refused the sign-in (bad user name or session)",
              5: "the gateway refused: not authorized",
            };
            return fail(why[code] ?? `the gateway refused the connection (code ${code})`);
          }
          ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(new Uint8Array([0xc0, 0])), 20_000);
          resolve(client);
        } else if (type === 9) {
          const id = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
          const p = pending.get(id);
          pending.delete(id);
          if ((body[2] ?? 0x80) === 0x80) p?.reject(new Error("the gateway refused this subscription"));
          else p?.resolve();
        } else if (type === 3) {
          const tlen = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
          const topic = new TextDecoder().decode(body.subarray(2, 2 + tlen));
          const qos = (flags >> 1) & 3;
          const start = 2 + tlen + (qos > 0 ? 2 : 0);
          opts.onMessage({ topic, payload: body.slice(start), retain: (flags & 1) === 1, at: Date.now() });
        }
      }
    };
  });
}
