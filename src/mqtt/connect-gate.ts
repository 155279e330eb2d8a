// At most PER_TURN CONNECTs checked per turn of the event loop. In a reconnect storm the
// admission line (admission.ts) starts sockets 128 a turn, but starting one is cheap and
// its CONNECT arrives later: thousands of started sockets' CONNECTs then came back in one
// poll of the event loop and were all identified, authorized and audited in that one turn
// (4,224 CONNECTs, 180-545 ms, while a connected client's PINGREQ waited; bench/RESULTS.md
// "The reconnect storm's stall"). Now the first bytes of a connection not yet CONNECTed
// are checked at once only while this turn has checked fewer than PER_TURN; past that they
// wait here (already read and charged to the unauthenticated budget; copied, a CONNECT is
// small) and are handed back oldest first, PER_TURN a turn, from setImmediate. Nothing is
// skipped: every CONNECT still goes through the same identify -> authorize -> audit.
import type { BrokerCore } from "./core.ts";

/** CONNECTs checked per turn of the event loop, at most (~40-100 µs each) */
const PER_TURN = 64;

/** what the gate needs of a connection */
export interface GatedConnection {
  /** frame and handle bytes already counted (the gate's replay) */
  frame(chunk: Uint8Array): void;
}

export class ConnectGate {
  /** connections whose first bytes wait, oldest first, with their chunks in order */
  private readonly waiting = new Map<GatedConnection, Uint8Array[]>();
  private checked = 0;
  private turnReset = false;

  /** Bytes of a connection not yet CONNECTed: true when they were queued (do not handle them now). */
  defer(c: GatedConnection, chunk: Uint8Array): boolean {
    const q = this.waiting.get(c);
    if (q) {
      q.push(chunk.slice());
      return true;
    }
    if (this.waiting.size === 0 && this.checked < PER_TURN) {
      this.count();
      return false;
    }
    this.waiting.set(c, [chunk.slice()]);
    this.schedule();
    return true;
  }

  /** queued connections (for tests and stats) */
  get queued(): number {
    return this.waiting.size;
  }

  private count(): void {
    this.checked++;
    this.schedule();
  }

  /** the next turn starts a new share and hands back what waits */
  private schedule(): void {
    if (this.turnReset) return;
    this.turnReset = true;
    setImmediate(() => {
      this.turnReset = false;
      this.checked = 0;
      this.drain();
    });
  }

  private drain(): void {
    for (const [c, chunks] of this.waiting) {
      if (this.checked >= PER_TURN) return;
      this.waiting.delete(c);
      this.count();
      for (const chunk of chunks) c.frame(chunk);
    }
  }
}

const gates = new WeakMap<BrokerCore, ConnectGate>();

/** the broker's one gate (every listener's connections share it) */
export function connectGate(core: BrokerCore): ConnectGate {
  let g = gates.get(core);
  if (!g) {
    g = new ConnectGate();
    gates.set(core, g);
  }
  return g;
}
