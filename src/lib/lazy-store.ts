// A store opened at its first use, not when it is made: the object stands for it (every
// property read opens it once and reads the store's own), close() closes it only if it was
// opened. For stores the start wires in but the first CONNACKs do not need (bench/RESULTS.md
// "Session 7: start": the people stores, 4 registry.db connections, ~2 ms of the start).
const OPEN = Symbol("open now");

/** open a lazyStore's store now if it is not open yet (a failed open throws here) */
export function openNow(store: object): void {
  Reflect.get(store, OPEN);
}

export function lazyStore<T extends { close(): void }>(open: () => T): T {
  let it: T | undefined;
  let closed = false;
  const close = () => {
    closed = true;
    it?.close();
  };
  return new Proxy({} as T, {
    get(_, key) {
      if (key === "close") return close;
      if (closed) throw new Error("store closed");
      it ??= open();
      return key === OPEN ? undefined : Reflect.get(it, key);
    },
    has(_, key) {
      it ??= open();
      return Reflect.has(it, key);
    },
  });
}
