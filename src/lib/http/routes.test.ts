import { describe, expect, test } from "bun:test";
import { routeTable } from "./routes.ts";

const reply = (text: string) => () => new Response(text);
const table = routeTable([
  { method: "GET", path: "/health", auth: "none", handler: reply("health") },
  { method: "GET", path: "/db/query", auth: "client", handler: reply("query") },
  { method: "POST", path: "/db/query", auth: "client", handler: reply("query") },
  { method: "POST", path: "/db/write/:table", auth: "client", handler: reply("write") },
  { method: "POST", path: "/keys/:id/revoke", auth: "client", handler: reply("revoke") },
]);

describe("route table", () => {
  test("a method and path find their route, with percent-decoded parameters", () => {
    const m = table.match("POST", "/db/write/a%20b");
    expect("route" in m && m.route.path).toBe("/db/write/:table");
    expect("params" in m && m.params).toEqual({ table: "a b" });
    const r = table.match("POST", "/keys/k1/revoke");
    expect("params" in r && r.params).toEqual({ id: "k1" });
  });

  test("a GET route answers HEAD", () => {
    const m = table.match("HEAD", "/health");
    expect("route" in m && m.route.path).toBe("/health");
  });

  test("a known path with another method is 405 with the Allow header", async () => {
    const m = table.match("DELETE", "/db/query");
    if (!("response" in m)) throw new Error("expected a reply");
    expect(m.response.status).toBe(405);
    expect(m.response.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(await m.response.json()).toEqual({ success: false, reason: "method not allowed" });
  });

  test("an unknown path, an empty parameter or extra segments are 404 JSON", async () => {
    for (const p of ["/nope", "/db/write/", "/db/write/a/b", "/health/"]) {
      const m = table.match("POST", p);
      if (!("response" in m)) throw new Error(`expected a reply for ${p}`);
      expect(m.response.status).toBe(404);
      expect((await m.response.json()) as object).toMatchObject({ success: false });
    }
  });

  test("a parameter that is not valid percent-encoding is 400", () => {
    const m = table.match("POST", "/db/write/%E0%A4%A");
    expect("response" in m && m.response.status).toBe(400);
  });

  test("a route declared twice is refused when the table is built", () => {
    const h = reply("x");
    expect(() =>
      routeTable([
        { method: "GET", path: "/a", auth: "none", handler: h },
        { method: "GET", path: "/a", auth: "none", handler: h },
      ]),
    ).toThrow("declared twice");
  });

  test("a last *name part takes one or more segments, each decoded, joined with /", () => {
    const t = routeTable([
      { method: "POST", path: "/c/:id/messages", auth: "none", handler: reply("top") },
      { method: "POST", path: "/c/:id/messages/*sub", auth: "none", handler: reply("sub") },
    ]);
    const top = t.match("POST", "/c/x/messages");
    expect("route" in top && top.route.path).toBe("/c/:id/messages");
    const sub = t.match("POST", "/c/x/messages/room%201/temp");
    expect("params" in sub && sub.params).toEqual({ id: "x", sub: "room 1/temp" });
    for (const p of ["/c/x/messages/", "/c/x/messages/a//b"]) expect("response" in t.match("POST", p)).toBe(true);
  });
});
