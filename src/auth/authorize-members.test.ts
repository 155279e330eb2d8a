import { describe, expect, test } from "bun:test";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import type { DomainRole } from "../lib/domain-roles.ts";
import { authorize, makePrincipal, type Principal } from "./authorize.ts";
import { ADMIN_SCOPES } from "./people.ts";

const D = "11111111-1111-4111-8111-111111111111";
const E = "22222222-2222-4222-8222-222222222222";

const user = (scopes: readonly string[], roles: Record<string, DomainRole> = {}): Principal => ({
  ...makePrincipal("user:bob", "user", scopes),
  roles: new Map(Object.entries(roles)),
});
const may = (p: Principal, op: Parameters<typeof authorize>[1], target: string, domain?: string) =>
  authorize(p, op, target, domain).allow;

describe("authorize with domain membership", () => {
  test("a member reads and lists in its domain but changes nothing", () => {
    const bob = user([], { [D]: "member" });
    for (const [op, t] of [
      ["domains:read", D],
      ["keys:list", "c1"],
      ["channels:list", "*"],
      ["channels:subscribe", "line1"],
      ["tables:read", "LINE1"],
      ["dashboards:read", "x"],
    ] as const)
      expect(may(bob, op, t, D)).toBe(true);
    for (const [op, t] of [
      ["keys:create", "*"],
      ["keys:delete", "c1"],
      ["channels:create", "*"],
      ["channels:publish", "line1"],
      ["tables:write", "LINE1"],
      ["domains:update", D],
      ["domains:members", D],
      ["domains:disable", D],
    ] as const)
      expect(may(bob, op, t, D)).toBe(false);
  });

  test("an admin of a domain may everything inside it, managing members included, but not freeze or delete it", () => {
    const bob = user([], { [D]: "admin" });
    for (const op of ["keys:create", "channels:connect", "tables:write", "groups:create"] as const)
      expect(may(bob, op, "*", D)).toBe(true);
    for (const op of ["domains:members", "domains:update", "domains:disable"] as const)
      expect(may(bob, op, D, D)).toBe(true);
    expect(may(bob, "domains:freeze", D, D)).toBe(false);
    expect(may(bob, "domains:delete", D, D)).toBe(false);
  });

  test("no member of a domain: refused everything there, saying so; other domains' roles do not count", () => {
    const bob = user(["tables:read:*", "keys:list:*"], { [E]: "admin" });
    const d = authorize(bob, "keys:list", "c1", D);
    expect(d).toMatchObject({ allow: false });
    if (!d.allow) expect(d.reason).toContain(`not a member of domain ${D}`);
    expect(may(bob, "tables:read", "T", D)).toBe(false);
    expect(may(bob, "keys:create", "*", E)).toBe(true);
  });

  test("in the default domain a user's own scopes decide, as before domains", () => {
    const bob = user(["tables:read:*"]);
    expect(may(bob, "tables:read", "T")).toBe(true);
    expect(may(bob, "tables:read", "T", DEFAULT_DOMAIN_ID)).toBe(true);
    expect(may(bob, "tables:write", "T")).toBe(false);
  });

  test("a global operator (own domains:read on the domain) acts there by its own scopes, member or not", () => {
    const admin = user(ADMIN_SCOPES);
    expect(may(admin, "keys:create", "*", D)).toBe(true);
    expect(may(admin, "domains:freeze", D, D)).toBe(true);
    const ops = user(["domains:read:*", "tables:read:*"]);
    expect(may(ops, "tables:read", "T", D)).toBe(true);
    expect(may(ops, "keys:create", "*", D)).toBe(false);
  });

  test("an own deny scope wins over the role", () => {
    const bob = user(["!tables:read:SECRET"], { [D]: "admin" });
    expect(may(bob, "tables:read", "SECRET", D)).toBe(false);
    expect(may(bob, "tables:read", "OTHER", D)).toBe(true);
  });

  test("a PAT acts within its owner's role: its scopes alone reach nothing in a domain the owner is no member of", () => {
    const pat = (roles: Record<string, DomainRole>): Principal => ({
      ...makePrincipal("user:bob", "user", ["keys:create:*", "keys:list:*"]),
      within: user([], roles),
    });
    expect(may(pat({ [D]: "admin" }), "keys:create", "*", D)).toBe(true);
    expect(may(pat({ [D]: "member" }), "keys:create", "*", D)).toBe(false);
    expect(may(pat({ [D]: "member" }), "keys:list", "c1", D)).toBe(true);
    expect(may(pat({}), "keys:list", "c1", D)).toBe(false);
  });

  test("a principal without roles (no membership store) is bound by its scopes in every domain, as before", () => {
    const old = makePrincipal("user:bob", "user", ["keys:list:*"]);
    expect(may(old, "keys:list", "c1", D)).toBe(true);
  });
});
