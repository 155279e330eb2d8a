// The groups of one aggregation rule in one minute: how many events each recorded in full,
// and a tally for those that went on to be counted. A group is known by a number (the
// aggregator's keyed hash of its key, audit-aggregate.ts), kept in an open-addressing table
// of typed arrays: a connect burst has one group per CONNECT (the target is the client id),
// and ~20 bytes a group here (the table at most 3/4 full) is what that minute costs, where a
// Map entry with its key string and a tally object cost ~300 B per CONNECT.

/** a group that counts: its key, its counts, an event to summarize from */
export interface Tally<E> {
  group: string;
  full: number;
  counted: number;
  sample: E;
}

const EMPTY = -2; // hashes are >= 0, and the "other groups" key is -1

export class AuditGroups<E> {
  private keys = new Float64Array(64).fill(EMPTY);
  private full = new Uint32Array(64);
  private n = 0;
  /** the groups that count (few: a group counts only after its first events in a minute) */
  readonly counting = new Map<number, Tally<E>>();

  get size(): number {
    return this.n;
  }

  /** the slot of `key`: where it is, or the empty one where it goes */
  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let i = key < 0 ? 0 : (key % (mask + 1)) | 0;
    for (;;) {
      const k = this.keys[i] as number;
      if (k === key || k === EMPTY) return i;
      i = (i + 1) & mask;
    }
  }

  has(key: number): boolean {
    return this.keys[this.slot(key)] === key;
  }

  /** events of `key` recorded in full so far (0: an unknown group) */
  fullOf(key: number): number {
    const i = this.slot(key);
    return this.keys[i] === key ? (this.full[i] as number) : 0;
  }

  /** `more` events of `key` recorded in full (0: the group is known, none recorded: it counts at once) */
  addFull(key: number, more = 1): void {
    let i = this.slot(key);
    if (this.keys[i] !== key) {
      if ((this.n + 1) * 4 > this.keys.length * 3) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.n++;
    }
    this.full[i] = (this.full[i] as number) + more;
  }

  private grow(): void {
    const keys = this.keys;
    const full = this.full;
    this.keys = new Float64Array(keys.length * 2).fill(EMPTY);
    this.full = new Uint32Array(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j] as number;
      if (k === EMPTY) continue;
      const i = this.slot(k);
      this.keys[i] = k;
      this.full[i] = full[j] as number;
    }
  }
}
