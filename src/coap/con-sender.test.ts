import { expect, test } from "bun:test";
import { ACK_TIMEOUT_MS, createConSender, MAX_RETRANSMIT } from "./con-sender.ts";

function clock() {
  let timers: { at: number; fn: () => void }[] = [];
  let now = 0;
  return {
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimer: (t: unknown) => {
      timers = timers.filter((x) => x !== t);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
    get now() {
      return now;
    },
  };
}

test("a CON is retransmitted after 2-3 s, doubling, 4 times; then the observer is given up", () => {
  const c = clock();
  const sent: number[] = [];
  let gaveUp = false;
  let mid = 100;
  const s = createConSender(
    {
      send: () => sent.push(c.now),
      giveUp: () => (gaveUp = true),
      random: () => 0,
      setTimer: c.setTimer,
      clearTimer: c.clearTimer,
    },
    () => mid++,
  );
  s.enqueue((m) => new Uint8Array([m]));
  c.advance(100_000);
  expect(sent).toEqual([0, 2000, 6000, 14000, 30000]);
  expect(sent.length).toBe(1 + MAX_RETRANSMIT);
  expect(gaveUp).toBe(true);
  expect(s.queued()).toBe(0);
});

test("one outstanding at a time (NSTART 1): the next goes when the ACK comes; the queue is bounded", () => {
  const c = clock();
  const sent: number[] = [];
  let dropped = 0;
  let mid = 0;
  const s = createConSender(
    {
      send: (b) => sent.push(b[0]!),
      giveUp: () => {},
      dropped: () => dropped++,
      maxQueued: 2,
      setTimer: c.setTimer,
      clearTimer: c.clearTimer,
    },
    () => ++mid,
  );
  for (let i = 0; i < 5; i++) s.enqueue((m) => new Uint8Array([m * 10 + i]));
  expect(sent).toEqual([10]);
  expect(dropped).toBe(2);
  expect(s.acked(99)).toBe(false);
  expect(s.acked(1)).toBe(true);
  expect(sent).toEqual([10, 23]);
  c.advance(ACK_TIMEOUT_MS * 1.5);
  expect(sent).toEqual([10, 23, 23]);
  s.acked(2);
  s.acked(3);
  expect(sent).toEqual([10, 23, 23, 34]);
  expect(s.queued()).toBe(0);
});
