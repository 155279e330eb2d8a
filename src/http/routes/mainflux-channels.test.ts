import { describe, expect, test } from "bun:test";
import { createsMainflux, listsMainflux } from "./mainflux-channels.ts";

const req = (auth?: string) => new Request("http://x/channels", auth ? { headers: { authorization: auth } } : {});

describe("which kind of script is asking on /channels", () => {
  test("a create body without neo's id or table is Mainflux's; neo's {id, table} stays neo's", () => {
    expect(createsMainflux(req("Bearer t"), { name: "mychan" })).toBe(true);
    expect(createsMainflux(req("Bearer t"), { id: "line-1" })).toBe(false);
    expect(createsMainflux(req("Bearer t"), { id: "line-1", table: "LINE_1" })).toBe(false);
    // Mainflux's bare header: its body may name an id, never a table
    expect(createsMainflux(req("t"), { id: "c1", name: "x" })).toBe(true);
    expect(createsMainflux(req("t"), { id: "c1", table: "T" })).toBe(false);
  });

  test("a list asked with the bare header or Mainflux's paging gets Mainflux's page", () => {
    expect(listsMainflux(req("t"), new URL("http://x/channels"))).toBe(true);
    expect(listsMainflux(req("Bearer t"), new URL("http://x/channels?offset=0&limit=5"))).toBe(true);
    expect(listsMainflux(req("Bearer t"), new URL("http://x/channels"))).toBe(false);
  });
});
