import { describe, expect, test } from "bun:test";
import { SessionTable } from "./session-table.ts";
import type { Session } from "./session.ts";

/** the table reads only a session's id */
const session = (id: string) => ({ id }) as unknown as Session;

describe("SessionTable", () => {
  test("get / has / set / delete by client id, a replaced session is the one held", () => {
    const t = new SessionTable();
    const a = session("a");
    expect(t.get("a")).toBeUndefined();
    t.set(a);
    expect([t.get("a"), t.has("a"), t.has("b"), t.size]).toEqual([a, true, false, 1]);
    const a2 = session("a");
    t.set(a2);
    expect([t.get("a"), t.size]).toEqual([a2, 1]);
    expect(t.delete(a)).toBe(false); // not the one held under "a": kept
    expect(t.get("a")).toBe(a2);
    expect(t.delete(a2)).toBe(true);
    expect([t.get("a"), t.size, t.delete(a2)]).toEqual([undefined, 0, false]);
  });

  test("many ids: every one found after growing, deleting half and shrinking; ids equal by value", () => {
    const t = new SessionTable();
    const all = Array.from({ length: 20_000 }, (_, i) => session(`client-${i}`));
    for (const s of all) t.set(s);
    expect(t.size).toBe(20_000);
    for (const s of all) expect(t.get(`client-${s.id.slice(7)}`)).toBe(s); // another string, same id
    for (let i = 0; i < all.length; i += 2) t.delete(all[i] as Session);
    expect(t.size).toBe(10_000);
    all.forEach((s, i) => expect(t.get(s.id)).toBe(i % 2 ? s : undefined));
    for (let i = 1; i < all.length - 10; i += 2) t.delete(all[i] as Session); // mostly empty: rebuilt smaller
    expect([...t.values()].map((s) => s.id).sort()).toEqual(
      all
        .slice(-10)
        .filter((_, i) => i % 2)
        .map((s) => s.id)
        .sort(),
    );
    for (const s of all) t.set(s); // tombstones reused or swept: all back
    expect(t.size).toBe(20_000);
    for (const s of all) expect(t.get(s.id)).toBe(s);
  });

  test("deleting while iterating visits every remaining session once (as a keep-alive sweep closing clients does)", () => {
    const t = new SessionTable();
    const all = Array.from({ length: 1000 }, (_, i) => session(`c${i}`));
    for (const s of all) t.set(s);
    const seen: string[] = [];
    for (const s of t.values()) {
      seen.push(s.id);
      t.delete(s); // every one goes as it is visited: the table shrinks under the iteration
    }
    expect(seen.sort()).toEqual(all.map((s) => s.id).sort());
    expect(t.size).toBe(0);

    for (const s of all) t.set(s);
    const gone = new Set<string>();
    const visited: string[] = [];
    for (const s of t.values()) {
      expect(gone.has(s.id)).toBe(false); // never one that went before its visit
      visited.push(s.id);
      // a visit ends the next two by number, visited or not
      const n = Number(s.id.slice(1));
      for (const o of all.slice(n + 1, n + 3)) if (t.delete(o)) gone.add(o.id);
    }
    expect(new Set(visited).size).toBe(visited.length); // none twice
    const v = new Set(visited);
    for (const s of all) expect(v.has(s.id) || gone.has(s.id)).toBe(true); // every one visited, or gone before its turn
  });

  test("adding while iterating (the slots grow) visits no session twice and none that went", () => {
    const t = new SessionTable();
    const first = Array.from({ length: 12 }, (_, i) => session(`f${i}`));
    for (const s of first) t.set(s);
    const seen: string[] = [];
    let gone = "";
    for (const s of t) {
      seen.push(s.id);
      if (gone === "") {
        for (let i = 0; i < 100; i++) t.set(session(`n${i}`)); // grows: new slots
        const victim = first.find((f) => !seen.includes(f.id)) as Session; // one not visited yet
        gone = victim.id;
        t.delete(victim);
      }
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(gone);
    for (const s of first) if (s.id !== gone) expect(seen).toContain(s.id);
    expect(t.size).toBe(111);
  });
});
