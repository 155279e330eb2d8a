// Topic names, topic filters and the subscription trie.
// `+` matches one level, `#` the rest (including the parent level); filters starting
// with a wildcard never match topics beginning with `$` [MQTT-4.7.2-1].

const MAX_TOPIC_BYTES = 65535;

/** A topic name a client may PUBLISH to [MQTT-4.7.3-1, MQTT-3.3.2-2]. */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0 || topic.length > MAX_TOPIC_BYTES) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b /* + */ || c === 0x23 /* # */ || c === 0) return false; // [MQTT-4.7.3-2]
  }
  return Buffer.byteLength(topic) <= MAX_TOPIC_BYTES;
}

/** A topic filter in SUBSCRIBE/UNSUBSCRIBE (not shared-prefixed) [MQTT-4.7.1-2, MQTT-4.7.1-3]. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > MAX_TOPIC_BYTES) return false;
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as string;
    if (l.includes("\u0000")) return false;
    if (l.includes("#") && (l !== "#" || i !== levels.length - 1)) return false; // [MQTT-4.7.1-2]
    if (l.includes("+") && l !== "+") return false; // [MQTT-4.7.1-3]
  }
  return true;
}

export type ParsedFilter = { ok: true; filter: string; group?: string } | { ok: false };

/** Split `$share/<group>/<filter>` and validate both parts [MQTT-4.8.2-1, MQTT-4.8.2-2]. */
export function parseFilter(raw: string): ParsedFilter {
  if (raw.startsWith("$share/")) {
    const rest = raw.slice(7);
    const slash = rest.indexOf("/");
    if (slash <= 0) return { ok: false };
    const group = rest.slice(0, slash);
    const filter = rest.slice(slash + 1);
    if (group.includes("+") || group.includes("#")) return { ok: false };
    if (!isValidTopicFilter(filter)) return { ok: false };
    return { ok: true, filter, group };
  }
  if (raw === "$share") return { ok: false };
  return isValidTopicFilter(raw) ? { ok: true, filter: raw } : { ok: false };
}

/** Does `filter` match `topic`? (Both assumed valid.) */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 0x24 /* $ */ && (filter[0] === "+" || filter[0] === "#")) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const fl = f[i];
    if (fl === "#") return true;
    if (i >= t.length) return false;
    if (fl !== "+" && fl !== t[i]) return false;
  }
  return f.length === t.length;
}

interface Node<V> {
  children: Map<string, Node<V>> | null;
  values: Map<string, V> | null;
}

const newNode = <V>(): Node<V> => ({ children: null, values: null });

/** Filter → (key → value) trie; `match` visits every value whose filter matches a topic. */
export class TopicTrie<V> {
  private root: Node<V> = newNode();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Insert or replace; returns true when the (filter, key) pair is new. */
  set(filter: string, key: string, value: V): boolean {
    let node = this.root;
    for (const level of filter.split("/")) {
      node.children ??= new Map();
      let next = node.children.get(level);
      if (!next) {
        next = newNode();
        node.children.set(level, next);
      }
      node = next;
    }
    node.values ??= new Map();
    const isNew = !node.values.has(key);
    node.values.set(key, value);
    if (isNew) this.count++;
    return isNew;
  }

  get(filter: string, key: string): V | undefined {
    let node: Node<V> | undefined = this.root;
    for (const level of filter.split("/")) {
      node = node.children?.get(level);
      if (!node) return undefined;
    }
    return node.values?.get(key);
  }

  delete(filter: string, key: string): boolean {
    const levels = filter.split("/");
    const path: Node<V>[] = [this.root];
    let node: Node<V> | undefined = this.root;
    for (const level of levels) {
      node = node.children?.get(level);
      if (!node) return false;
      path.push(node);
    }
    if (!node.values?.delete(key)) return false;
    this.count--;
    // prune empty branches
    for (let i = levels.length; i > 0; i--) {
      const n = path[i] as Node<V>;
      if ((n.values && n.values.size > 0) || (n.children && n.children.size > 0)) break;
      (path[i - 1] as Node<V>).children?.delete(levels[i - 1] as string);
    }
    return true;
  }

  match(topic: string, visit: (value: V, key: string) => void): void {
    const levels = topic.split("/");
    const dollar = topic.charCodeAt(0) === 0x24;
    const walk = (node: Node<V>, i: number): void => {
      const ch = node.children;
      if (i === levels.length) {
        if (node.values) for (const [k, v] of node.values) visit(v, k);
        const hash = ch?.get("#"); // "a/#" also matches "a" [MQTT-4.7.1-2]
        if (hash?.values) for (const [k, v] of hash.values) visit(v, k);
        return;
      }
      if (!ch) return;
      if (!(i === 0 && dollar)) {
        // [MQTT-4.7.2-1] wildcards at the first level never match $-topics
        const hash = ch.get("#");
        if (hash?.values) for (const [k, v] of hash.values) visit(v, k);
        const plus = ch.get("+");
        if (plus) walk(plus, i + 1);
      }
      const exact = ch.get(levels[i] as string);
      if (exact) walk(exact, i + 1);
    };
    walk(this.root, 0);
  }
}
