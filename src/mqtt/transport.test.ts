import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { HIGH_WATER, SocketTransport } from "./transport.ts";

/** a socket that takes at most `room` bytes a write and records what it took and what was called */
function fakeSocket(room: number) {
  const s = {
    room,
    taken: [] as number[],
    calls: [] as string[],
    write(chunk: Uint8Array) {
      const n = Math.min(chunk.byteLength, s.room);
      s.room -= n;
      if (n <= 64) s.taken.push(...chunk.subarray(0, n)); // the small writes, byte by byte
      return n;
    },
    pause: () => s.calls.push("pause"),
    resume: () => s.calls.push("resume"),
    end: () => s.calls.push("end"),
    shutdown: () => s.calls.push("shutdown"),
    terminate: () => s.calls.push("terminate"),
  };
  return s;
}

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe("SocketTransport: bytes the socket did not take", () => {
  test("kept in order, written on drain, nothing kept once all went out", () => {
    const s = fakeSocket(3);
    const t = new SocketTransport(s as unknown as Socket<undefined>, "tcp", "127.0.0.1");
    t.write(bytes(5, 1));
    t.write(bytes(2, 2)); // behind what waits, not written before it
    expect(t.buffered()).toBe(4);
    s.room = 2;
    expect(t.drain()).toBe(false); // still some left
    expect(t.buffered()).toBe(2);
    s.room = 100;
    expect(t.drain()).toBe(true);
    expect(t.buffered()).toBe(0);
    expect(s.taken).toEqual([1, 1, 1, 1, 1, 2, 2]);
    t.write(bytes(1, 3));
    expect(s.taken.at(-1)).toBe(3);
  });

  test("end waits for what is kept, then ends the socket", () => {
    const s = fakeSocket(1);
    const t = new SocketTransport(s as unknown as Socket<undefined>, "tcp", "127.0.0.1");
    t.write(bytes(3, 1));
    t.end();
    expect(s.calls).not.toContain("end");
    s.room = 10;
    expect(t.drain()).toBe(false);
    expect(s.calls).toContain("end");
    t.write(bytes(1, 9)); // closed: dropped
    expect(s.taken).toEqual([1, 1, 1]);
  });

  test("past the high-water mark reading pauses, and resumes once below half", () => {
    const s = fakeSocket(0);
    const t = new SocketTransport(s as unknown as Socket<undefined>, "tcp", "127.0.0.1");
    t.write(bytes(HIGH_WATER + 1, 1));
    expect(s.calls).toEqual(["pause"]);
    t.resumeReading(); // not while paused for back-pressure
    expect(s.calls).toEqual(["pause"]);
    s.room = HIGH_WATER / 2;
    expect(t.drain()).toBe(false); // half of it went out: still above half the mark, still paused
    expect(s.calls).toEqual(["pause"]);
    s.room = HIGH_WATER;
    expect(t.drain()).toBe(true);
    expect(s.calls).toEqual(["pause", "resume"]);
  });

  test("a lingering transport shuts its side down, discards up to its bytes, then closes", () => {
    const s = fakeSocket(100);
    const t = new SocketTransport(s as unknown as Socket<undefined>, "tcp", "127.0.0.1");
    t.linger(60_000, 10);
    expect(s.calls).toEqual(["shutdown", "resume"]);
    t.discarded(6);
    expect(s.calls).not.toContain("terminate");
    t.discarded(6);
    expect(s.calls).toContain("terminate");
  });
});
