// How many connections the broker holds, per remote address, per key and in all. The
// total is the broker's share of the process's file descriptors (the app leaves a
// reserve for /health, the query pool and the operator): past it a new socket is closed
// before anything is read. Past the per-address cap a CONNECT gets 0x9F (Connection rate
// exceeded; 3.1.1: 5), past the per-key cap 0x97 (Quota exceeded; 3.1.1: 3). A client
// taking over its own client id's connection is not one more.

export interface ConnectionLimits {
  /** sockets the broker may hold at once (its share of file descriptors) */
  maxConnections: number;
  maxPerAddress: number;
  maxPerClient: number;
}

const NO_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: Infinity,
  maxPerAddress: Infinity,
  maxPerClient: Infinity,
};

export interface ConnectionCounts {
  /** sockets closed at once: the broker's share of descriptors was used up */
  refusedDescriptors: number;
  refusedPerAddress: number;
  refusedPerClient: number;
}

export class ConnectionBudget {
  limits: ConnectionLimits;
  readonly counts: ConnectionCounts = { refusedDescriptors: 0, refusedPerAddress: 0, refusedPerClient: 0 };
  private readonly byAddress = new Map<string, number>();
  private readonly byClient = new Map<string, number>();

  constructor(limits: ConnectionLimits = NO_CONNECTION_LIMITS) {
    this.limits = limits;
  }

  private static bump(m: Map<string, number>, k: string, n: 1 | -1): void {
    const v = (m.get(k) ?? 0) + n;
    if (v <= 0) m.delete(k);
    else m.set(k, v);
  }

  /** a socket opened (`open` = sockets held now, this one included); false: close it at once */
  opened(open: number): boolean {
    if (open <= this.limits.maxConnections) return true;
    this.counts.refusedDescriptors++;
    return false;
  }

  addAddress(address: string, n: 1 | -1): void {
    ConnectionBudget.bump(this.byAddress, address, n);
  }

  /** is this address over its cap (its own socket included)? counts a refusal */
  overAddress(address: string): boolean {
    if ((this.byAddress.get(address) ?? 0) <= this.limits.maxPerAddress) return false;
    this.counts.refusedPerAddress++;
    return true;
  }

  addClient(identity: string, n: 1 | -1): void {
    ConnectionBudget.bump(this.byClient, identity, n);
  }

  /** may `identity` have one more connected client? counts a refusal when not */
  mayConnect(identity: string): boolean {
    if ((this.byClient.get(identity) ?? 0) < this.limits.maxPerClient) return true;
    this.counts.refusedPerClient++;
    return false;
  }
}
