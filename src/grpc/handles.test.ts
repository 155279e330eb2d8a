import { describe, expect, test } from "bun:test";
import type { Identified } from "../auth/index.ts";
import { createHandles, IDLE_MS, MAX_PER_OWNER, RESULT_BUDGET } from "./handles.ts";

const who = (id: string, kind: Identified["kind"] = "client"): Identified => ({
  id,
  kind,
  scopes: [],
  ref: { kind: "client", id, form: "cert", generation: `fp-${id}` },
  expiresAt: Number.POSITIVE_INFINITY,
});
const cells = { columns: [], types: [], rows: [] };

describe("gRPC handles", () => {
  test("a handle is found only by the principal that opened it (same kind and id)", () => {
    const h = createHandles();
    const c = h.conns.add({ principal: who("dev1") });
    if (typeof c === "string") throw new Error(c);
    expect(h.conns.get(c.id, who("dev1"))).toBe(c);
    expect(h.conns.get(c.id, who("other"))).toBeUndefined();
    expect(h.conns.get(c.id, who("dev1", "user"))).toBeUndefined();
    expect(h.conns.get("nope", who("dev1"))).toBeUndefined();
  });

  test("each principal holds a bounded number of each kind", () => {
    const h = createHandles();
    for (let i = 0; i < MAX_PER_OWNER; i++)
      expect(typeof h.rows.add({ principal: who("a"), cells, pos: 0, sql: "", bytes: 1 })).toBe("object");
    expect(h.rows.add({ principal: who("a"), cells, pos: 0, sql: "", bytes: 1 })).toContain(
      "too many open result sets",
    );
    expect(typeof h.rows.add({ principal: who("b"), cells, pos: 0, sql: "", bytes: 1 })).toBe("object");
  });

  test("result sets waiting to be fetched are held within a memory budget, per principal and in all", () => {
    const h = createHandles();
    const half = RESULT_BUDGET.perOwner / 2;
    expect(typeof h.rows.add({ principal: who("a"), cells, pos: 0, sql: "", bytes: half })).toBe("object");
    expect(typeof h.rows.add({ principal: who("a"), cells, pos: 0, sql: "", bytes: half })).toBe("object");
    expect(h.rows.add({ principal: who("a"), cells, pos: 0, sql: "", bytes: 1 })).toContain("hold too much memory");
    expect(typeof h.rows.add({ principal: who("b"), cells, pos: 0, sql: "", bytes: half })).toBe("object");
    expect(typeof h.rows.add({ principal: who("c"), cells, pos: 0, sql: "", bytes: half })).toBe("object");
    expect(h.rows.add({ principal: who("d"), cells, pos: 0, sql: "", bytes: 1 })).toContain("on this server");
  });

  test("sweep drops what idled too long and ends everything of a revoked principal", () => {
    const h = createHandles();
    const old = h.appenders.add({ principal: who("a"), table: "T" });
    const gone = h.stmts.add({ principal: who("revoked"), sql: "select 1" });
    if (typeof old === "string" || typeof gone === "string") throw new Error("add failed");
    const ended: string[] = [];
    h.streams.add({ principal: who("revoked"), end: (why, r) => ended.push(`${why}: ${r}`) });
    h.streams.add({ principal: who("a"), end: (why, r) => ended.push(`a ${why}: ${r}`) });
    const dropped = h.sweep(
      (live) =>
        live.filter((l) => l.principal.id === "revoked").map((entry) => ({ entry, reason: "the key was revoked" })),
      old.used + IDLE_MS + 1,
    );
    expect(dropped).toBe(3);
    expect(h.appenders.map.size).toBe(0);
    expect(h.stmts.map.size).toBe(0);
    expect(ended).toEqual(["revoked: the key was revoked"]);
    expect(h.stats().streams).toBe(1);
  });
});
