// Corked writes: every connection corked in a turn is written once, in one piece, by one
// microtask at the turn's end.
import { describe, expect, test } from "bun:test";
import type { Connection } from "./connection.ts";
import { ConnectionRare } from "./connection-rare.ts";
import { sendAck } from "./outbound.ts";

/** the fields outbound.ts reads and writes, on a plain object */
function fakeConnection(write: (b: Uint8Array) => void): Connection {
  const c = {
    state: "connected",
    limits: { maximumPacketSize: 1 << 20 },
    core: { stats: { bytesOut: 0 } },
    transport: { write, buffered: () => 0 },
    one: null as Uint8Array | null,
    rare: null as ConnectionRare | null,
    rareState(): ConnectionRare {
      c.rare ??= new ConnectionRare();
      return c.rare;
    },
  };
  return c as unknown as Connection;
}

const turnEnd = () => new Promise<void>((r) => queueMicrotask(r));

describe("outbound corking", () => {
  test("two connections corked in one turn: nothing written before its end, then each once, in one piece", async () => {
    const a: Uint8Array[] = [];
    const b: Uint8Array[] = [];
    const ca = fakeConnection((x) => a.push(x));
    const cb = fakeConnection((x) => b.push(x));
    sendAck(ca, 0x40, 1);
    sendAck(cb, 0x40, 2);
    sendAck(ca, 0x40, 3);
    expect(a.length + b.length).toBe(0);
    await turnEnd();
    expect(a.map((x) => [...x])).toEqual([[0x40, 2, 0, 1, 0x40, 2, 0, 3]]);
    expect(b.map((x) => [...x])).toEqual([[0x40, 2, 0, 2]]);
    // the next turn corks and writes again
    sendAck(cb, 0x40, 4);
    await turnEnd();
    expect(b.map((x) => [...x])).toEqual([
      [0x40, 2, 0, 2],
      [0x40, 2, 0, 4],
    ]);
  });
});
