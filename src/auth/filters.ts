// Set relations between MQTT topic filters, as level arrays: does one filter's set of
// topics contain another's, and do two filters share any topic? A topic name is a filter
// without wildcards. Like matching [MQTT-4.7.2-1], a filter whose first level is a
// wildcard never reaches topics starting with `$`, so `#` never covers `$SYS/...`.

const isWild = (l: string | undefined) => l === "+" || l === "#";
const isDollar = (l: string | undefined) => l !== undefined && !isWild(l) && l.startsWith("$");

/** one filter starts with a wildcard, the other with a `$` level: they share no topic */
function dollarApart(a: readonly string[], b: readonly string[]): boolean {
  return (isWild(a[0]) && isDollar(b[0])) || (isWild(b[0]) && isDollar(a[0]));
}

/** Is every topic matched by `inner` also matched by `outer`? */
export function covers(outer: readonly string[], inner: readonly string[]): boolean {
  if (dollarApart(outer, inner)) return false;
  for (let i = 0; ; i++) {
    const o = outer[i];
    const n = inner[i];
    if (o === "#") return true; // `a/#` also matches `a`
    if (n === undefined) return o === undefined;
    // inner `#` at the first level means "one level or more": `+/#` covers that too;
    // further in it also means "nothing more", which only `#` covers
    if (n === "#") return i === 0 && o === "+" && outer[1] === "#";
    if (o === undefined) return false;
    if (o === "+") continue;
    if (n === "+" || o !== n) return false;
  }
}

/** Is there a topic both filters match? */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  if (dollarApart(a, b)) return false;
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (x === "#" || y === "#") return true;
    if (x === undefined || y === undefined) return x === y;
    if (x === "+" || y === "+") continue;
    if (x !== y) return false;
  }
}

/** The filter matching exactly the topics both match, or null when they share none. */
export function intersect(a: readonly string[], b: readonly string[]): string[] | null {
  if (dollarApart(a, b)) return null;
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (x === "#") return [...out, ...b.slice(i)];
    if (y === "#") return [...out, ...a.slice(i)];
    if (x === undefined || y === undefined) return x === y ? out : null;
    if (x === "+") out.push(y);
    else if (y === "+" || x === y) out.push(x);
    else return null;
  }
}
