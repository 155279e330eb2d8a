// A reading reused while it is younger than `maxAgeMs`. Used for the registry's PRAGMA
// data_version (~3-5 µs a read): a burst of CONNECTs or HTTP requests shares one read per
// millisecond instead of one each, and a commit by another process is seen by every request
// that arrives at least `maxAgeMs` after it.
export interface RecentReading<T> {
  (): T;
  /** forget the reading: the next call reads again */
  drop(): void;
}

export function recentReading<T>(
  read: () => T,
  maxAgeMs: number,
  now: () => number = performance.now.bind(performance),
): RecentReading<T> {
  let value: T | undefined;
  let at = Number.NEGATIVE_INFINITY;
  const get = (() => {
    const t = now();
    if (t - at < maxAgeMs) return value as T;
    value = read();
    at = t;
    return value;
  }) as RecentReading<T>;
  get.drop = () => {
    at = Number.NEGATIVE_INFINITY;
    value = undefined;
  };
  return get;
}
