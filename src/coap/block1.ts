// Block-wise uploads (RFC 7959 Block1): the blocks of one request body are put together
// per peer and resource, in order, before the body is handled. Only requests that were
// authenticated and authorized reach this (the credential comes with every block), and
// it is bounded: a body larger than the limit is refused (4.13 with Size1) as soon as a
// block or Size1 says so, a peer holds at most `maxPerPeer` transfers (a new one pushes
// its oldest out), all transfers together at most `maxTotalBytes` (else 5.03), and a
// transfer idle for `idleMs` is forgotten.
import { type Block, blockSize } from "./options.ts";

export type Block1Result =
  | { kind: "continue" }
  | { kind: "complete"; body: Uint8Array }
  | { kind: "too-large"; limit: number }
  | { kind: "incomplete"; reason: string }
  | { kind: "busy" };

export interface Block1Options {
  /** the largest body accepted */
  maxBodyBytes: number;
  maxPerPeer?: number;
  maxTotalBytes?: number;
  idleMs?: number;
  now?: () => number;
}

interface Transfer {
  peer: string;
  chunks: Uint8Array[];
  bytes: number;
  at: number;
}

export function createBlock1(o: Block1Options) {
  const maxPerPeer = o.maxPerPeer ?? 4;
  const maxTotal = o.maxTotalBytes ?? 32 * 1024 * 1024;
  const idleMs = o.idleMs ?? 60_000;
  const now = o.now ?? Date.now;
  const transfers = new Map<string, Transfer>();
  let total = 0;

  function drop(key: string): void {
    const t = transfers.get(key);
    if (!t) return;
    transfers.delete(key);
    total -= t.bytes;
  }

  function sweep(at = now()): void {
    for (const [k, t] of transfers) if (at - t.at >= idleMs) drop(k);
  }

  function join(t: Transfer): Uint8Array {
    const out = new Uint8Array(t.bytes);
    let i = 0;
    for (const c of t.chunks) {
      out.set(c, i);
      i += c.length;
    }
    return out;
  }

  return {
    /**
     * One block of a request body. `key` names the transfer (peer, method, path, query,
     * Request-Tag); `size1` is the Size1 option when the client sent one.
     */
    receive(peer: string, key: string, block: Block, payload: Uint8Array, size1?: number): Block1Result {
      const at = now();
      if (size1 !== undefined && size1 > o.maxBodyBytes) {
        drop(key);
        return { kind: "too-large", limit: o.maxBodyBytes };
      }
      const size = blockSize(block.szx);
      if (block.more && payload.length !== size) {
        drop(key);
        return { kind: "incomplete", reason: `block ${block.num} carries ${payload.length} bytes, not ${size}` };
      }
      if (block.num === 0) {
        drop(key);
        if (payload.length > o.maxBodyBytes) return { kind: "too-large", limit: o.maxBodyBytes };
        if (!block.more) return { kind: "complete", body: payload };
        const mine = [...transfers].filter(([, t]) => t.peer === peer);
        if (mine.length >= maxPerPeer) drop(mine[0]![0]);
        if (total + payload.length > maxTotal) {
          sweep(at);
          if (total + payload.length > maxTotal) return { kind: "busy" };
        }
        transfers.set(key, { peer, chunks: [payload.slice()], bytes: payload.length, at });
        total += payload.length;
        return { kind: "continue" };
      }
      const t = transfers.get(key);
      if (!t || at - t.at >= idleMs) {
        drop(key);
        return { kind: "incomplete", reason: `block ${block.num} without the blocks before it` };
      }
      if (block.num * size !== t.bytes) {
        drop(key);
        return { kind: "incomplete", reason: `block ${block.num} is not the next one (${t.bytes} bytes so far)` };
      }
      if (t.bytes + payload.length > o.maxBodyBytes) {
        drop(key);
        return { kind: "too-large", limit: o.maxBodyBytes };
      }
      if (total + payload.length > maxTotal) {
        drop(key);
        return { kind: "busy" };
      }
      t.chunks.push(payload.slice());
      t.bytes += payload.length;
      total += payload.length;
      t.at = at;
      // the Map's order is kept by arrival of the first block; expiry is checked per transfer
      if (block.more) return { kind: "continue" };
      const body = join(t);
      drop(key);
      return { kind: "complete", body };
    },
    sweep,
    transfers: () => transfers.size,
    bytes: () => total,
  };
}

export type Block1 = ReturnType<typeof createBlock1>;
