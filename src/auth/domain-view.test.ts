import { afterEach, describe, expect, test } from "bun:test";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { authorize, makePrincipal } from "./authorize.ts";
import { seesDomain } from "./domain-view.ts";
import { installEntityFacts } from "./entity-facts.ts";

// table C_B and client "bdev" belong to domain B; everything else to the default domain
const B = "0b000000-0000-4000-8000-00000000000b";
let uninstall = () => {};
afterEach(() => uninstall());
const install = () => {
  uninstall = installEntityFacts((kind, id) => ({
    groups: [],
    disabled: false,
    ...((kind === "table" && id === "C_B") || (kind === "client" && id === "bdev") ? { domain: B } : {}),
  }));
};

describe("what a caller may learn exists (existence leaks across domains)", () => {
  test("a refusal in another domain is `absent` where the caller may use one of that name, else a plain 403", () => {
    install();
    const wide = makePrincipal("wide", "client", ["tables:read:*", "keys:rotate:*"]);
    const read = authorize(wide, "tables:read", "C_B");
    expect(read).toEqual({ allow: false, reason: "not allowed to read table C_B", absent: true });
    expect(authorize(wide, "keys:rotate", "bdev")).toMatchObject({ allow: false, absent: true });
    const narrow = makePrincipal("narrow", "client", ["tables:read:OWN"]);
    const d = authorize(narrow, "tables:read", "C_B");
    expect(d).toEqual({ allow: false, reason: "not allowed to read table C_B" }); // as for a missing C_NOSUCH
    expect(authorize(narrow, "tables:read", "C_NOSUCH")).toEqual({
      allow: false,
      reason: "not allowed to read table C_NOSUCH",
    });
  });

  test("seesDomain: a key its own domain; a user the default one, its roles' and (global) any", () => {
    const key = { ...makePrincipal("k", "client", ["domains:read:*"]), domain: B };
    expect(seesDomain(key, B)).toBe(true);
    expect(seesDomain(key, DEFAULT_DOMAIN_ID)).toBe(false);
    expect(seesDomain(makePrincipal("d", "client", []), B)).toBe(false);
    const member = { ...makePrincipal("user:m", "user", []), roles: new Map([[B, "member" as const]]) };
    const outsider = { ...makePrincipal("user:o", "user", []), roles: new Map() };
    const operator = { ...makePrincipal("user:r", "user", ["domains:read:*"]), roles: new Map() };
    expect(seesDomain(member, B)).toBe(true);
    expect(seesDomain(outsider, B)).toBe(false);
    expect(seesDomain(outsider, DEFAULT_DOMAIN_ID)).toBe(true);
    expect(seesDomain(operator, "anything")).toBe(true);
    expect(seesDomain({ ...makePrincipal("pat", "user", []), within: member }, B)).toBe(true);
  });
});
