// The sessions by client id (core.sessions): an open-addressing table of the Session objects
// themselves (the key is the session's own id), 8 bytes a slot, at most 3/4 full. A JSC Map
// of n sessions took ~40-50 bytes an entry when full and grows its storage 4x when it fills
// (at ~4,096 and ~16,384 entries: ~130-200 bytes an entry just after a step, where 5,000
// and 18,000 idle connections sit); this is 11-21 bytes an entry at every size.
// Its lookups (a seeded native hash of the id, then a probe) cost a few times a Map's, so it
// is consulted only at CONNECT, takeover, the end of a session and by the console and
// admin calls: deliveries reach a session through their subscription (Subscription.session).
// Iterating is safe while entries are deleted (a deleted slot becomes a tombstone, nothing
// moves); an entry added while iterating may or may not be visited.
import type { Session } from "./session.ts";

/** a deleted slot: the probe goes on past it, an insert may reuse it */
const TOMB = null;
type Slot = Session | typeof TOMB | undefined;

const MIN_SLOTS = 16;

/** `n` empty slots, pushed one by one: a dense array of 8-byte values at any size (new Array(n) of 100,000 or more is a sparse one in JSC) */
function emptySlots(n: number): Slot[] {
  const a: Slot[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

export class SessionTable {
  private slots: Slot[] = emptySlots(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private count = 0;
  /** tombstones: counted with the entries against the 3/4 load */
  private tombs = 0;
  /** drawn at start: no one outside can choose ids that meet in one probe chain */
  private readonly seed = crypto.getRandomValues(new Uint32Array(1))[0] as number;

  get size(): number {
    return this.count;
  }

  private hash(id: string): number {
    return Bun.hash.murmur32v3(id, this.seed);
  }

  /** the slot holding `id`'s session, or -1 */
  private find(id: string): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = this.hash(id) & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined) return -1;
      if (s !== TOMB && s.id === id) return i;
    }
  }

  get(id: string): Session | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : (this.slots[i] as Session);
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** keep `s` under its id (replacing the session held under it, if any) */
  set(s: Session): void {
    const at = this.find(s.id);
    if (at >= 0) {
      this.slots[at] = s;
      return;
    }
    if ((this.count + this.tombs + 1) * 4 > this.slots.length * 3) this.rebuild(this.count + 1);
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hash(s.id) & mask;
    while (slots[i] !== undefined && slots[i] !== TOMB) i = (i + 1) & mask;
    if (slots[i] === TOMB) this.tombs--;
    slots[i] = s;
    this.count++;
  }

  /** drop `s` (only that session: not another one held under the same id); false when it was not held */
  delete(s: Session): boolean {
    const i = this.find(s.id);
    if (i < 0 || this.slots[i] !== s) return false;
    this.slots[i] = TOMB;
    this.count--;
    this.tombs++;
    // mostly empty after many went (a storm's sessions ended): give the slots back
    if (this.slots.length > MIN_SLOTS && this.count * 8 < this.slots.length) this.rebuild(this.count);
    return true;
  }

  /** new slots for `n` entries: the least power of two they fill at most half of, tombstones gone */
  private rebuild(n: number): void {
    let size = MIN_SLOTS;
    while (n * 2 > size) size *= 2;
    const old = this.slots;
    const slots = emptySlots(size);
    const mask = size - 1;
    for (let k = 0; k < old.length; k++) {
      const s = old[k];
      if (s === undefined || s === TOMB) continue;
      let i = this.hash(s.id) & mask;
      while (slots[i] !== undefined) i = (i + 1) & mask;
      slots[i] = s;
    }
    this.slots = slots;
    this.mask = mask;
    this.tombs = 0;
  }

  /** every session (in no particular order) */
  *values(): IterableIterator<Session> {
    const slots = this.slots;
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k];
      if (s === undefined || s === TOMB) continue;
      // the slots were rebuilt since (an insert, or many deletes): skip what is no longer held
      if (slots !== this.slots && this.get(s.id) !== s) continue;
      yield s;
    }
  }

  [Symbol.iterator](): IterableIterator<Session> {
    return this.values();
  }
}
