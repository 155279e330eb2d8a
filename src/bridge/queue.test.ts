import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openQueue, type BridgeQueue, type QueueLimits } from "./queue.ts";

const dirs: string[] = [];
const open: BridgeQueue[] = [];
afterEach(() => {
  for (const q of open.splice(0)) q.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function fresh(limits: Partial<QueueLimits> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "neo-bridge-q-"));
  dirs.push(dir);
  const file = join(dir, "bridge-t.db");
  const q = openQueue(file, { maxMessages: 1000, maxBytes: 1_000_000, policy: "drop-oldest", ...limits });
  open.push(q);
  return { q, file };
}
const msg = (topic: string, body: string) => ({ topic, payload: Buffer.from(body), qos: 1 as const, retain: false });

describe("bridge queue", () => {
  test("offers made in one turn commit together and come back in order, with their properties", async () => {
    const { q } = fresh();
    const r = await Promise.all([
      q.offer(msg("a", "1")),
      q.offer({
        ...msg("b", "2"),
        retain: true,
        properties: { contentType: "text/plain", userProperties: { k: "v" } },
      }),
      q.offer(msg("a", "3")),
    ]);
    expect(r).toEqual(["queued", "queued", "queued"]);
    const rows = q.peek(0, 10);
    expect(rows.map((m) => [m.topic, m.payload.toString(), m.retain])).toEqual([
      ["a", "1", false],
      ["b", "2", true],
      ["a", "3", false],
    ]);
    expect(rows[1]?.properties).toEqual({ contentType: "text/plain", userProperties: { k: "v" } });
    expect(q.peek(rows[0]?.seq ?? 0, 1).map((m) => m.payload.toString())).toEqual(["2"]);
    expect(q.stats()).toMatchObject({ messages: 3, dropped: 0 });
    expect(q.stats().bytes).toBe(2 + 2 + 2 + Buffer.byteLength(JSON.stringify(rows[1]?.properties)));
  });

  test("a message stays until acked, also across a reopen of the file", async () => {
    const { q, file } = fresh();
    await Promise.all(["1", "2", "3"].map((b) => q.offer(msg("t", b))));
    const [first] = q.peek(0, 1);
    q.ack(first?.seq ?? 0);
    q.close();
    open.pop();
    const again = openQueue(file, { maxMessages: 1000, maxBytes: 1_000_000, policy: "drop-oldest" });
    open.push(again);
    expect(again.peek(0, 10).map((m) => m.payload.toString())).toEqual(["2", "3"]);
    expect(again.stats()).toMatchObject({ messages: 2, bytes: 4 });
    expect(again.stats().oldestAt).toBeGreaterThan(Date.now() - 60_000);
  });

  test("drop-oldest keeps the newest messages within the count limit and counts the drops, durably", async () => {
    const { q, file } = fresh({ maxMessages: 3 });
    const r = await Promise.all(["1", "2", "3", "4", "5"].map((b) => q.offer(msg("t", b))));
    expect(r).toEqual(["queued", "queued", "queued", "queued", "queued"]);
    expect(q.peek(0, 10).map((m) => m.payload.toString())).toEqual(["3", "4", "5"]);
    expect(q.stats()).toMatchObject({ messages: 3, dropped: 2 });
    expect(q.takeDropped()).toBe(2);
    expect(q.takeDropped()).toBe(0);
    q.close();
    open.pop();
    const again = openQueue(file, { maxMessages: 3, maxBytes: 1_000_000, policy: "drop-oldest" });
    open.push(again);
    expect(again.stats().dropped).toBe(2);
  });

  test("drop-oldest also frees room by bytes", async () => {
    const { q } = fresh({ maxBytes: 1100 });
    for (const b of ["a", "b", "c"]) await q.offer(msg("t", b.repeat(500)));
    expect(q.peek(0, 10).map((m) => m.payload.toString()[0])).toEqual(["b", "c"]);
    expect(q.stats()).toMatchObject({ messages: 2, bytes: 1002, dropped: 1 });
  });

  test("refuse-new keeps what is queued and refuses what does not fit, counting each refusal", async () => {
    const { q } = fresh({ maxMessages: 2, policy: "refuse-new" });
    const r = await Promise.all(["1", "2", "3", "4"].map((b) => q.offer(msg("t", b))));
    expect(r).toEqual(["queued", "queued", "refused", "refused"]);
    expect(q.peek(0, 10).map((m) => m.payload.toString())).toEqual(["1", "2"]);
    expect(q.stats()).toMatchObject({ messages: 2, dropped: 2 });
    q.ack(q.peek(0, 1)[0]?.seq ?? 0);
    expect(await q.offer(msg("t", "5"))).toBe("queued");
  });

  test("a message larger than the whole buffer is refused even under drop-oldest", async () => {
    const { q } = fresh({ maxBytes: 1024 });
    await q.offer(msg("t", "keep"));
    expect(await q.offer(msg("t", "x".repeat(2000)))).toBe("refused");
    expect(q.peek(0, 10).map((m) => m.payload.toString())).toEqual(["keep"]);
  });

  test("acking a message the policy already dropped changes nothing", async () => {
    const { q } = fresh({ maxMessages: 1 });
    await q.offer(msg("t", "1"));
    const seq = q.peek(0, 1)[0]?.seq ?? 0;
    await q.offer(msg("t", "2"));
    q.ack(seq);
    q.flush();
    expect(q.stats()).toMatchObject({ messages: 1, bytes: 2 });
  });
});
