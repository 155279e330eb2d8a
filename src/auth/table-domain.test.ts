import { afterEach, describe, expect, test } from "bun:test";
import { authorize, makePrincipal } from "./authorize.ts";
import { installEntityFacts } from "./entity-facts.ts";

// table C_B belongs to a channel of domain "b" (its side table too); every other table to the default domain
const B = "0b000000-0000-4000-8000-00000000000b";
let uninstall = () => {};
afterEach(() => uninstall());
const install = () => {
  uninstall = installEntityFacts((kind, id) => ({
    groups: [],
    disabled: false,
    ...(kind === "table" && (id === "C_B" || id === "C_B_SENML") ? { domain: B } : {}),
  }));
};

describe("a table is decided in its channel's domain (authorize's entity facts)", () => {
  test("a default-domain key with tables:*:* neither reads nor writes another domain's table, told nothing of it", () => {
    install();
    const k = makePrincipal("dk", "client", ["tables:write:*", "tables:read:*"]);
    for (const op of ["tables:write", "tables:read"] as const) {
      for (const t of ["C_B", "c_b", "C_B_SENML"]) {
        const d = authorize(k, op, t);
        expect(d.allow).toBe(false);
        if (!d.allow) expect(d.reason).not.toContain(B);
      }
      expect(authorize(k, op, "OWN").allow).toBe(true);
    }
  });

  test("a key of that domain and a member there may; a user of no role there is refused without its id", () => {
    install();
    const inB = { ...makePrincipal("bdev", "client", ["tables:write:*"]), domain: B };
    expect(authorize(inB, "tables:write", "C_B").allow).toBe(true);
    expect(authorize(inB, "tables:write", "OWN").allow).toBe(false);
    const member = { ...makePrincipal("user:m", "user", []), roles: new Map([[B, "member" as const]]) };
    expect(authorize(member, "tables:read", "C_B").allow).toBe(true);
    expect(authorize(member, "tables:write", "C_B").allow).toBe(false);
    const outsider = { ...makePrincipal("user:o", "user", []), roles: new Map() };
    const d = authorize(outsider, "tables:read", "C_B");
    expect(d).toEqual({ allow: false, reason: "not allowed to read table C_B" });
  });
});
