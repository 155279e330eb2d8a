// The connect gate: at most so many not-yet-CONNECTed connections' bytes handled per turn,
// the rest handed back oldest first, in order, copied, a share a turn.
import { expect, test } from "bun:test";
import { ConnectGate, type GatedConnection } from "./connect-gate.ts";

const turn = () => new Promise<void>((r) => setImmediate(r));

function conn(log: string[], name: string): GatedConnection {
  return { frame: (chunk) => log.push(`${name}:${new TextDecoder().decode(chunk)}`) };
}

test("a turn's share is handled at once, the rest waits and comes back oldest first, a share a turn", async () => {
  const g = new ConnectGate();
  const log: string[] = [];
  const conns = Array.from({ length: 150 }, (_, i) => conn(log, `c${i}`));
  const now = conns.map((c) => !g.defer(c, new TextEncoder().encode("x")));
  const share = now.filter(Boolean).length;
  expect(share).toBeGreaterThan(0);
  expect(share).toBeLessThan(150);
  expect(now.slice(0, share).every(Boolean)).toBe(true); // the first ones, then none
  expect(g.queued).toBe(150 - share);
  expect(log).toEqual([]); // deferred bytes are not handled in the same turn
  await turn();
  expect(log.length).toBe(Math.min(share, 150 - share));
  expect(log[0]).toBe(`c${share}:x`);
  while (g.queued > 0) await turn();
  expect(log.length).toBe(150 - share);
  expect(log.at(-1)).toBe("c149:x");
});

test("a waiting connection's later bytes wait behind its first, copied", async () => {
  const g = new ConnectGate();
  const log: string[] = [];
  const filler = Array.from({ length: 200 }, (_, i) => conn([], `f${i}`));
  for (const f of filler) g.defer(f, new Uint8Array([1]));
  const c = conn(log, "c");
  const buf = new TextEncoder().encode("ab");
  expect(g.defer(c, buf)).toBe(true);
  buf[0] = 0x7a; // the caller's buffer is reused: the gate kept a copy
  expect(g.defer(c, new TextEncoder().encode("cd"))).toBe(true);
  while (g.queued > 0) await turn();
  expect(log).toEqual(["c:ab", "c:cd"]);
});

test("with nothing waiting and room in the turn, bytes are handled at once", async () => {
  await turn();
  const g = new ConnectGate();
  expect(g.defer(conn([], "a"), new Uint8Array([1]))).toBe(false);
  expect(g.queued).toBe(0);
});
