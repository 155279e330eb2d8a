import { describe, expect, test } from "bun:test";
import { asksMainflux, entityFields, idList, listFilter, page, thingJson } from "./mainflux-shapes.ts";

const req = (auth?: string) => new Request("http://x/", auth === undefined ? {} : { headers: { authorization: auth } });

describe("Mainflux's shapes", () => {
  test("the bare Authorization header is Mainflux's way; a scheme or none is not", () => {
    expect(asksMainflux(req("nac_abc"))).toBe(true);
    expect(asksMainflux(req("Bearer nac_abc"))).toBe(false);
    expect(asksMainflux(req())).toBe(false);
  });

  test("a page has offset 0 and limit 10 by default, at most 100; bad values are a 400", async () => {
    const items = Array.from({ length: 12 }, (_, i) => i);
    expect(await page(new URL("http://x/things"), "things", items).json()).toEqual({
      total: 12,
      offset: 0,
      limit: 10,
      things: items.slice(0, 10),
    });
    expect(await page(new URL("http://x/things?offset=10&limit=5"), "things", items).json()).toMatchObject({
      things: [10, 11],
    });
    expect(() => page(new URL("http://x/?limit=101"), "things", items)).toThrow("limit");
    expect(() => page(new URL("http://x/?offset=-1"), "things", items)).toThrow("offset");
  });

  test("a thing shows its key only when given, metadata only when it has some", () => {
    expect(thingJson({ id: "a", name: "n", metadata: {} })).toEqual({ id: "a", name: "n" });
    expect(thingJson({ id: "a", name: "n", metadata: { s: 1 } }, "k")).toEqual({
      id: "a",
      name: "n",
      key: "k",
      metadata: { s: 1 },
    });
  });

  test("bodies and id lists are checked", () => {
    expect(() => entityFields({ name: 3 }, "thing")).toThrow("name");
    expect(() => entityFields({ metadata: [] }, "thing")).toThrow("metadata");
    expect(entityFields({ name: "x" }, "thing")).toEqual({ name: "x" });
    expect(idList(["a", "a", "b"], "thing_ids")).toEqual(["a", "b"]);
    expect(() => idList([], "thing_ids")).toThrow("thing_ids");
  });
});

describe("Mainflux's list filters", () => {
  test("name is a part of the name, metadata the fields that must be equal; a bad metadata is a 400", () => {
    const f = listFilter(new URL('http://x/things?name=we&metadata={"serial":"1"}'));
    expect(f({ name: "weio", metadata: { serial: "1", other: 2 } })).toBe(true);
    expect(f({ name: "weio", metadata: { serial: "2" } })).toBe(false);
    expect(f({ name: "bob", metadata: { serial: "1" } })).toBe(false);
    expect(listFilter(new URL("http://x/things"))({ name: "any" })).toBe(true);
    expect(() => listFilter(new URL("http://x/things?metadata=[1]"))).toThrow("metadata");
  });
});
