// A minimal HTTP/1.1 client for the bench's closed loops: one kept-alive socket, one request
// (written once, as bytes) asked again and again, the answer read just far enough to know
// its status and where it ends (Content-Length or chunked). It costs the generator a
// fraction of what fetch() does (Headers, Request, Response objects per request), so on a
// 2-core machine the servers under test get the CPU fetch would take.
import type { Socket } from "bun";

export interface RawHttp {
  /** send the request, resolve with the answer's status once all of it arrived */
  ask(): Promise<number>;
  close(): void;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/** how many bytes of `buf` (from `at`) a chunked body takes, or -1 while incomplete */
function chunkedEnd(buf: Buffer, at: number): number {
  let i = at;
  for (;;) {
    const eol = buf.indexOf("\r\n", i);
    if (eol < 0) return -1;
    const size = Number.parseInt(buf.subarray(i, eol).toString("latin1"), 16);
    if (Number.isNaN(size)) throw new Error("bad chunk size");
    const next = eol + 2 + size + 2;
    if (next > buf.length) return -1;
    if (size === 0) return next - at;
    i = next;
  }
}

export async function openRawHttp(
  hostPort: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<RawHttp> {
  const i = hostPort.lastIndexOf(":");
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, "");
  const port = Number(hostPort.slice(i + 1));
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostPort}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const request = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  let waiting: { resolve: (s: number) => void; reject: (e: Error) => void } | undefined;

  /** one whole answer at the start of `buf`: its status, and `buf` moves past it */
  const take = (): number | undefined => {
    const head = buf.indexOf(CRLF2);
    if (head < 0) return undefined;
    const text = buf.subarray(0, head).toString("latin1");
    const status = Number(text.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
    let bodyLen: number;
    if (length !== undefined) bodyLen = Number(length);
    else if (/\r\ntransfer-encoding:\s*chunked/i.test(text)) bodyLen = chunkedEnd(buf, head + 4);
    else bodyLen = 0;
    if (bodyLen < 0 || head + 4 + bodyLen > buf.length) return undefined;
    buf = buf.subarray(head + 4 + bodyLen);
    return status;
  };

  const socket: Socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, chunk) {
        buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
        const status = take();
        if (status === undefined || !waiting) return;
        const w = waiting;
        waiting = undefined;
        w.resolve(status);
      },
      close() {
        waiting?.reject(new Error("connection closed"));
        waiting = undefined;
      },
      error(_s, e) {
        waiting?.reject(e);
        waiting = undefined;
      },
    },
  });
  return {
    ask() {
      return new Promise<number>((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(request);
      });
    },
    close: () => socket.end(),
  };
}
