// Answers remembered while a version reading stays the same (the registry's dataVersion(),
// which moves on any commit by any process): the first call after a change drops them all.
// Bounded: past `max` entries it starts again empty.
export function versionMemo<T>(version: () => number, compute: (key: string) => T, max = 4096): (key: string) => T {
  const known = new Map<string, T>();
  let seen = Number.NaN;
  return (key) => {
    const v = version();
    if (v !== seen) {
      known.clear();
      seen = v;
    }
    if (known.has(key)) return known.get(key) as T;
    const answer = compute(key);
    if (known.size >= max) known.clear();
    known.set(key, answer);
    return answer;
  };
}
