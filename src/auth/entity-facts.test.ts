import { afterEach, describe, expect, test } from "bun:test";
import { authorize, makePrincipal } from "./authorize.ts";
import { dropEntityFacts, type EntityKind, installEntityFacts } from "./entity-facts.ts";

// a small world: channel x and client k in group G, G under P; channel y in no group; channel off disabled
const above: Record<string, string[]> = { "channel x": ["g1", "p1"], "client k": ["g1", "p1"], "group g1": ["p1"] };
let asked = 0;
const lookup = (kind: EntityKind, id: string) => {
  asked++;
  return { groups: above[`${kind} ${id}`] ?? [], disabled: kind === "channel" && id === "off" };
};
let uninstall = () => {};
afterEach(() => uninstall());

describe("a scope on a group covers its members (authorize's entity facts)", () => {
  test("channels:publish:G allows channel x in G, not channel y outside it; a parent's scope covers too", () => {
    uninstall = installEntityFacts(lookup);
    const p = makePrincipal("user:ci", "user", ["channels:publish:g1", "keys:list:p1", "groups:read:p1"]);
    expect(authorize(p, "channels:publish", "x").allow).toBe(true);
    expect(authorize(p, "channels:publish", "y").allow).toBe(false);
    expect(authorize(p, "channels:subscribe", "x").allow).toBe(false);
    expect(authorize(p, "keys:list", "k").allow).toBe(true);
    expect(authorize(p, "groups:read", "g1").allow).toBe(true);
    expect(authorize(p, "groups:read", "p1").allow).toBe(true);
  });

  test("a deny naming a group wins over a direct allow of a member", () => {
    uninstall = installEntityFacts(lookup);
    const p = makePrincipal("user:ci", "user", ["channels:publish:x", "!channels:publish:g1"]);
    const d = authorize(p, "channels:publish", "x");
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.scope).toBe("!channels:publish:g1");
  });

  test("a disabled channel refuses publish and subscribe whatever the scopes; managing it still works", () => {
    uninstall = installEntityFacts(lookup);
    const p = makePrincipal("user:ci", "user", ["channels:publish:*", "channels:update:*"]);
    const d = authorize(p, "channels:publish", "off");
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.reason).toContain("disabled");
    expect(authorize(p, "channels:update", "off").allow).toBe(true);
  });

  test("answers are cached until dropped; nothing installed means no groups", () => {
    uninstall = installEntityFacts(lookup);
    const p = makePrincipal("user:ci", "user", ["channels:publish:g1"]);
    asked = 0;
    authorize(p, "channels:publish", "x");
    authorize(p, "channels:publish", "x");
    expect(asked).toBe(1); // the status check and the groups read one cached entry
    dropEntityFacts();
    authorize(p, "channels:publish", "x");
    expect(asked).toBe(2);
    uninstall();
    expect(authorize(p, "channels:publish", "x").allow).toBe(false);
  });

  test("a failing lookup refuses what depends on it", () => {
    uninstall = installEntityFacts(() => {
      throw new Error("closed");
    });
    const p = makePrincipal("user:ci", "user", ["channels:publish:*", "keys:list:g1"]);
    expect(authorize(p, "channels:publish", "x").allow).toBe(false);
    expect(authorize(p, "keys:list", "k").allow).toBe(false);
  });
});
