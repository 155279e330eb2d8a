// Replace a listener on reload. A new listener on a new address starts first and the
// old one stops accepting only once it runs. On the SAME host:port the old one must let
// go of the port first; if the new one then fails, the old settings are started again,
// so a failed reload never leaves the port serving the old (e.g. plaintext) way
// unnoticed, nor leaves it closed.
export interface SwapResult<T> {
  listener: T;
  ok: boolean;
  error?: unknown;
}

export async function swapListener<T>(o: {
  samePort: boolean;
  current: T;
  start(): Promise<T>;
  restore(): Promise<T>;
  release(old: T): void;
}): Promise<SwapResult<T>> {
  if (!o.samePort) {
    try {
      const fresh = await o.start();
      o.release(o.current);
      return { listener: fresh, ok: true };
    } catch (error) {
      return { listener: o.current, ok: false, error };
    }
  }
  o.release(o.current);
  try {
    return { listener: await o.start(), ok: true };
  } catch (error) {
    // may throw too: then nothing listens, and the caller says so loudly
    return { listener: await o.restore(), ok: false, error };
  }
}

export const sameAddress = (a: { host: string; port: number }, b: { host: string; port: number }) =>
  a.port !== 0 && a.port === b.port && a.host === b.host;
