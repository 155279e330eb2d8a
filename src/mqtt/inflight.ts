// A session's outbound QoS 1/2 messages in flight, by packet id, in the order they were
// sent (a resend after reconnect keeps that order [MQTT-4.4.0-1]). Not a Map: a session's
// in-flight set fills and empties with every batch of deliveries, and JSC's Map rehashes its
// storage as it does (bench/micro/qos1-garbage.ts: ~750 B of garbage per QoS 1 delivery,
// most of the young collections of a 20,000 msg/s QoS 1 run). Here a ring keeps the sending
// order and an open-addressed index of ring positions finds a packet id; in steady state
// nothing is allocated (only growing, or compacting a ring full of holes left by acks that
// came out of order, allocates).

const FIRST = 16;

export interface InflightView<V> extends Iterable<[number, V]> {
  readonly size: number;
  get(pid: number): V | undefined;
  has(pid: number): boolean;
}

export class InflightTable<V> implements InflightView<V> {
  /** the ring: each position's packet id (0: a hole, its ack came) and value */
  private pids = new Int32Array(FIRST);
  private vals: (V | undefined)[] = new Array(FIRST);
  /** positions [head, tail) of the ring, counted without wrapping (position = count & mask) */
  private head = 0;
  private tail = 0;
  /** packet id -> ring position + 1 (0: empty), linear probing from pid & imask */
  private index = new Int32Array(FIRST * 2);
  size = 0;

  private find(pid: number): number {
    const index = this.index;
    const imask = index.length - 1;
    for (let i = pid & imask; ; i = (i + 1) & imask) {
      const at = index[i] as number;
      if (at === 0) return -1;
      if (this.pids[at - 1] === pid) return i;
    }
  }

  get(pid: number): V | undefined {
    const i = this.find(pid);
    return i < 0 ? undefined : this.vals[(this.index[i] as number) - 1];
  }

  has(pid: number): boolean {
    return this.find(pid) >= 0;
  }

  /** add `pid` last (or replace its value where it is) */
  set(pid: number, v: V): this {
    const i = this.find(pid);
    if (i >= 0) {
      this.vals[(this.index[i] as number) - 1] = v;
      return this;
    }
    if (this.tail - this.head === this.pids.length) this.remake(this.size * 2 > this.pids.length);
    const pos = this.tail & (this.pids.length - 1);
    this.pids[pos] = pid;
    this.vals[pos] = v;
    this.tail++;
    this.size++;
    this.place(pid, pos);
    return this;
  }

  delete(pid: number): boolean {
    const index = this.index;
    let i = this.find(pid);
    if (i < 0) return false;
    const mask = this.pids.length - 1;
    const pos = (index[i] as number) - 1;
    this.pids[pos] = 0;
    this.vals[pos] = undefined;
    this.size--;
    // close the gap in the probe chain (no tombstones): move back what would not be found
    const imask = index.length - 1;
    for (let j = (i + 1) & imask; index[j] !== 0; j = (j + 1) & imask) {
      const home = (this.pids[(index[j] as number) - 1] as number) & imask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      index[i] = index[j] as number;
      i = j;
    }
    index[i] = 0;
    while (this.head < this.tail && this.pids[this.head & mask] === 0) this.head++;
    if (this.size === 0) this.head = this.tail = 0;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<[number, V]> {
    const mask = this.pids.length - 1;
    for (let n = this.head; n < this.tail; n++) {
      const pid = this.pids[n & mask] as number;
      if (pid !== 0) yield [pid, this.vals[n & mask] as V];
    }
  }

  private place(pid: number, pos: number): void {
    const index = this.index;
    const imask = index.length - 1;
    let i = pid & imask;
    while (index[i] !== 0) i = (i + 1) & imask;
    index[i] = pos + 1;
  }

  /** the ring is full: the live entries, in order, into a ring twice as large or as large (holes dropped) */
  private remake(grow: boolean): void {
    const cap = grow ? this.pids.length * 2 : this.pids.length;
    const mask = this.pids.length - 1;
    const pids = new Int32Array(cap);
    const vals: (V | undefined)[] = new Array(cap);
    let w = 0;
    for (let n = this.head; n < this.tail; n++) {
      const pid = this.pids[n & mask] as number;
      if (pid === 0) continue;
      pids[w] = pid;
      vals[w] = this.vals[n & mask];
      w++;
    }
    this.pids = pids;
    this.vals = vals;
    this.head = 0;
    this.tail = w;
    this.index = new Int32Array(cap * 2);
    for (let p = 0; p < w; p++) this.place(pids[p] as number, p);
  }
}
