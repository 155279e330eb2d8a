// Requests in progress per client address: past Http.MaxRequestsPerAddress a new one is
// refused at once with 503 and Retry-After, before any route runs, so one address cannot
// hold the server's sockets and memory with requests whose answers it never reads. A
// streamed answer counts until the client has read it or gone. /health is never counted.
import { failure } from "../lib/http/respond.ts";

export const DEFAULT_MAX_REQUESTS_PER_ADDRESS = 1000;

/** answers handed out as the client reads them (a query's stream): their request is in progress until then */
export const streamedResponses = new WeakSet<Response>();

export interface InflightLimit {
  /** run `fetch` for `address` within the cap (a 503 past it) */
  run(
    address: string | undefined,
    path: string,
    fetch: () => Promise<Response | undefined>,
  ): Promise<Response | undefined>;
  /** requests refused so far */
  readonly refused: number;
}

export function createInflightLimit(max: () => number): InflightLimit {
  const open = new Map<string, number>();
  let refused = 0;
  const leave = (a: string) => {
    const n = (open.get(a) ?? 1) - 1;
    if (n <= 0) open.delete(a);
    else open.set(a, n);
  };
  /** the same response, whose body releases the slot when read to the end or cancelled */
  const releasing = (res: Response, done: () => void): Response => {
    const body = res.body;
    if (!body) {
      done();
      return res;
    }
    const reader = body.getReader();
    let released = false;
    const once = () => {
      if (!released) {
        released = true;
        done();
      }
    };
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(c) {
          try {
            const { value, done: end } = await reader.read();
            if (end) {
              once();
              c.close();
            } else c.enqueue(value);
          } catch (e) {
            once();
            c.error(e);
          }
        },
        cancel(reason) {
          once();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(stream, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return {
    async run(address, path, fetch) {
      if (address === undefined || path === "/health") return fetch();
      const n = open.get(address) ?? 0;
      if (n >= max()) {
        refused++;
        return failure(
          503,
          `too many requests in progress from your address (Http.MaxRequestsPerAddress ${max()}); try again`,
          { "retry-after": "1" },
        );
      }
      open.set(address, n + 1);
      let res: Response | undefined;
      try {
        res = await fetch();
      } catch (e) {
        leave(address);
        throw e;
      }
      // a whole answer ends the request here (Bun writes it); a streamed one when it is read
      if (!res || !streamedResponses.has(res)) {
        leave(address);
        return res;
      }
      return releasing(res, () => leave(address));
    },
    get refused() {
      return refused;
    },
  };
}
