import { describe, expect, test } from "bun:test";
import type { Identified } from "../auth/index.ts";
import { acceptedRows } from "./audit-events.ts";
import type { RouteContext } from "./route.ts";

const principal = { id: "k1", kind: "client", scopes: [] } as unknown as Identified;
const ctx = (address: string, listener = "http") => ({ address, listener }) as unknown as RouteContext;

describe("the row of an accepted request, kept per principal", () => {
  test("the same key, route, address and listener: the same frozen row; any of them changed: a new row", () => {
    const rows = acceptedRows();
    const token = { form: "token" as const, token: "t" };
    const first = rows(ctx("10.0.0.5"), principal, token, "GET /db/query");
    expect(first).toEqual({
      kind: "auth",
      action: "request",
      result: "ok",
      method: "token",
      listener: "http",
      address: "10.0.0.5",
      client: "k1",
      target: "GET /db/query",
    });
    expect(Object.isFrozen(first)).toBe(true);
    expect(rows(ctx("10.0.0.5"), principal, token, "GET /db/query")).toBe(first);
    const others = [
      rows(ctx("10.0.0.6"), principal, token, "GET /db/query"),
      rows(ctx("10.0.0.6"), principal, token, "GET /db/tables"),
      rows(ctx("10.0.0.6", "lan"), principal, token, "GET /db/tables"),
      rows(ctx("10.0.0.6", "lan"), principal, { form: "cert" }, "GET /db/tables"),
      rows(ctx("10.0.0.6", "lan"), { ...principal, id: "k2" } as Identified, token, "GET /db/tables"),
    ];
    expect(others.map((r) => [r.address, r.target, r.listener, r.method, r.client])).toEqual([
      ["10.0.0.6", "GET /db/query", "http", "token", "k1"],
      ["10.0.0.6", "GET /db/tables", "http", "token", "k1"],
      ["10.0.0.6", "GET /db/tables", "lan", "token", "k1"],
      ["10.0.0.6", "GET /db/tables", "lan", "certificate", "k1"],
      ["10.0.0.6", "GET /db/tables", "lan", "token", "k2"],
    ]);
    // no address (a local socket): none in the row, and still kept
    const local = rows(ctx(""), principal, token, "GET /db/query");
    expect(local.address).toBeUndefined();
    expect(rows(ctx(""), principal, token, "GET /db/query")).toBe(local);
  });
});
