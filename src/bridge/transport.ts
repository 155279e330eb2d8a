// Byte pipes to the upstream broker: TCP and TLS through Bun.connect, WebSocket and
// secure WebSocket through Bun's WebSocket client (subprotocol "mqtt"). Writes that
// the socket does not take at once are kept and sent on drain, in order.
import type { Socket } from "bun";

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
}

export interface Pipe {
  write(b: Uint8Array): void;
  /** bytes waiting to be written (back-pressure) */
  buffered(): number;
  close(): void;
}

export interface PipeEvents {
  data(b: Buffer): void;
  /** the pipe ended (after open, or instead of it); err is why, if known */
  closed(err?: Error): void;
}

/** An error on the way to the upstream; `reached` when a TCP connection had opened (TLS, MQTT or a refusal failed). */
export class UplinkError extends Error {
  constructor(
    message: string,
    readonly reached: boolean,
  ) {
    super(message);
  }
}

export function defaultPort(u: URL): number {
  if (u.port) return Number(u.port);
  return { "mqtt:": 1883, "mqtts:": 8883, "ws:": 80, "wss:": 443 }[u.protocol] ?? 1883;
}

/** Open a pipe; resolves once it can carry bytes (TCP connected, TLS handshake done, WS open). */
export function openPipe(url: string, tls: TlsFiles, ev: PipeEvents, timeoutMs = 10_000): Promise<Pipe> {
  const u = new URL(url);
  if (u.protocol === "ws:" || u.protocol === "wss:") return openWs(u, tls, ev, timeoutMs);
  return openTcp(u, tls, ev, timeoutMs);
}

async function tlsOptions(tls: TlsFiles, host: string) {
  const read = (f?: string) => (f ? Bun.file(f).text() : undefined);
  const [ca, cert, key] = await Promise.all([read(tls.ca), read(tls.cert), read(tls.key)]);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    serverName: tls.serverName ?? host,
    rejectUnauthorized: true,
  };
}

async function openTcp(u: URL, tls: TlsFiles, ev: PipeEvents, timeoutMs: number): Promise<Pipe> {
  const secure = u.protocol === "mqtts:";
  const host = u.hostname.replace(/^\[|\]$/g, "");
  let out: Buffer[] = [];
  let outBytes = 0;
  let ended = false;
  let tcpUp = false;
  const end = (err?: Error) => {
    if (ended) return;
    ended = true;
    ev.closed(err);
  };
  const flush = (s: Socket<undefined>) => {
    while (out.length > 0) {
      const head = out[0] as Buffer;
      const n = s.write(head);
      if (n < 0) return;
      outBytes -= n;
      if (n < head.length) {
        out[0] = head.subarray(n);
        return;
      }
      out.shift();
    }
  };
  let opened: (s: Socket<undefined>) => void = () => {};
  let failed: (e: Error) => void = () => {};
  const ready = new Promise<Socket<undefined>>((res, rej) => {
    opened = res;
    failed = rej;
  });
  ready.catch(() => {}); // awaited below, unless Bun.connect itself fails first
  const timer = setTimeout(() => failed(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
  const socket = await Bun.connect({
    hostname: host,
    port: defaultPort(u),
    ...(secure ? { tls: await tlsOptions(tls, host) } : {}),
    socket: {
      open(s) {
        tcpUp = true;
        s.setNoDelay(true); // small PUBLISH/PUBACK packets must not wait for Nagle
        if (!secure) opened(s);
      },
      handshake(s, ok, err) {
        if (ok && !err) opened(s);
        else {
          const e = new Error(`TLS handshake failed: ${err?.message ?? "peer not verified"}`);
          failed(e);
          s.terminate();
          end(e);
        }
      },
      data(_s, d) {
        ev.data(d);
      },
      drain(s) {
        flush(s);
      },
      close(_s, err) {
        failed(err ?? new Error("connection closed"));
        end(err ?? undefined);
      },
      error(_s, err) {
        failed(err);
        end(err);
      },
      connectError(_s, err) {
        failed(err);
      },
    },
  }).catch((e: unknown) => {
    clearTimeout(timer);
    const err = e as { code?: string; message?: string };
    throw new UplinkError(err.code ? `${err.code} (${err.message ?? "connect failed"})` : String(e), false);
  });
  try {
    await ready;
  } catch (e) {
    socket.terminate();
    throw new UplinkError(e instanceof Error ? e.message : String(e), tcpUp);
  } finally {
    clearTimeout(timer);
  }
  return {
    write(b) {
      if (ended) return;
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      if (out.length === 0) {
        const n = socket.write(buf);
        if (n === buf.length) return;
        out.push(buf.subarray(Math.max(0, n)));
        outBytes += buf.length - Math.max(0, n);
        return;
      }
      out.push(buf);
      outBytes += buf.length;
    },
    buffered: () => outBytes,
    close() {
      out = [];
      outBytes = 0;
      socket.end();
      end();
    },
  };
}

async function openWs(u: URL, tls: TlsFiles, ev: PipeEvents, timeoutMs: number): Promise<Pipe> {
  const secure = u.protocol === "wss:";
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const opts = { protocols: ["mqtt"], ...(secure ? { tls: await tlsOptions(tls, host) } : {}) };
  const ws = new WebSocket(u.toString(), opts as unknown as string[]);
  ws.binaryType = "arraybuffer";
  let ended = false;
  const end = (err?: Error) => {
    if (ended) return;
    ended = true;
    ev.closed(err);
  };
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => {
      rej(new Error(`connect timed out after ${timeoutMs} ms`));
      ws.close();
    }, timeoutMs);
    ws.onopen = () => {
      clearTimeout(timer);
      res();
    };
    ws.onerror = () => {
      clearTimeout(timer);
      rej(new Error(`WebSocket connection to ${u.host} failed`));
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      rej(new Error(`WebSocket closed (${e.code}${e.reason ? ` ${e.reason}` : ""})`));
    };
  });
  ws.onmessage = (e) => ev.data(Buffer.from(e.data as ArrayBuffer));
  ws.onerror = () => end(new Error("WebSocket error"));
  ws.onclose = (e) => end(e.code === 1000 ? undefined : new Error(`WebSocket closed (${e.code})`));
  return {
    write: (b) => {
      if (!ended) ws.send(b);
    },
    buffered: () => ws.bufferedAmount,
    close() {
      ws.close();
      end();
    },
  };
}
