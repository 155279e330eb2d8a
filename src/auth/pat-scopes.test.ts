import { describe, expect, test } from "bun:test";
import { makePrincipal, authorize } from "./authorize.ts";
import { neoScopesOf, parsePatScopes, patScopes } from "./pat-scopes.ts";

describe("SuperMQ PAT scopes on neo's scope model", () => {
  test("SuperMQ's entity types map onto neo's scopes; * is every entity", () => {
    expect(neoScopesOf({ entity_type: "channels", operation: "publish", entity_id: "plant" })).toEqual([
      "channels:publish:plant",
    ]);
    // SuperMQ's own example: a PAT that may create one channel
    expect(neoScopesOf({ entity_type: "channels", operation: "create", entity_id: "plant" })).toEqual([
      "channels:create:plant",
    ]);
    expect(neoScopesOf({ entity_type: "channels", operation: "update", entity_id: "*" })).toEqual([
      "channels:update:*",
      "channels:connect:*",
      "channels:disconnect:*",
    ]);
    expect(neoScopesOf({ entity_type: "clients", operation: "create", entity_id: "*" })).toEqual(["keys:create:*"]);
    expect(neoScopesOf({ entity_type: "clients", operation: "update", entity_id: "dev1" })).toEqual([
      "keys:rotate:dev1",
      "keys:revoke:dev1",
    ]);
    expect(neoScopesOf({ entity_type: "messages", operation: "read", entity_id: "sensors" })).toEqual([
      "tables:read:SENSORS",
    ]);
    expect(neoScopesOf({ entity_type: "topics", operation: "subscribe", entity_id: "*" })).toEqual([
      "topics:subscribe:#",
    ]);
    expect(neoScopesOf({ entity_type: "metrics", operation: "read", entity_id: "x" })).toEqual(["metrics:read:*"]);
  });

  test("every entity type of SuperMQ's seed is accepted, with SuperMQ's stored operation spellings", () => {
    expect(neoScopesOf({ entity_type: "dashboards", operation: "read", entity_id: "*" })).toEqual([
      "dashboards:read:*",
    ]);
    expect(neoScopesOf({ entity_type: "dashboards", operation: "dashboard_share", entity_id: "d1" })).toEqual([
      "dashboards:share:d1",
    ]);
    expect(neoScopesOf({ entity_type: "groups", operation: "create_groups", entity_id: "*" })).toEqual([
      "groups:create:*",
    ]);
    expect(neoScopesOf({ entity_type: "clients", operation: "create_clients", entity_id: "*" })).toEqual([
      "keys:create:*",
    ]);
    expect(neoScopesOf({ entity_type: "messages", operation: "message_publish", entity_id: "plant" })).toEqual([
      "channels:publish:plant",
    ]);
    const d = "c16c980a-9d4c-4793-8fb2-c81304cf1d9f";
    expect(neoScopesOf({ entity_type: "domains", operation: "freeze", entity_id: d })).toEqual([`domains:freeze:${d}`]);
    expect(neoScopesOf({ entity_type: "users", operation: "read", entity_id: "*" })).toEqual(["users:list:*"]);
    // a scope on an entity neo has no route for yet is a real scope nothing asks for
    const owner = makePrincipal("user:bob", "user", ["dashboards:read:*"]);
    const pat = { ...makePrincipal("user:bob", "user", ["dashboards:read:*"]), within: owner };
    expect(authorize(pat, "dashboards:read", "d1").allow).toBe(true);
    expect(authorize(pat, "dashboards:update", "d1").allow).toBe(false);
  });

  test("an entity type or operation neo does not have is refused naming it", () => {
    expect(() => neoScopesOf({ entity_type: "widgets", operation: "read", entity_id: "*" })).toThrow(
      'unknown entity_type "widgets"',
    );
    expect(() => neoScopesOf({ entity_type: "channels", operation: "share", entity_id: "*" })).toThrow(
      'unknown operation "share"',
    );
    expect(() => parsePatScopes([{ entity_type: "tables", operation: "read", entity_id: "no such" }])).toThrow(
      "entity_id",
    );
    expect(() => parsePatScopes([])).toThrow("non-empty");
    expect(() => parsePatScopes([{ operation: "read" }])).toThrow("scopes[0].entity_type is required");
  });

  test("a PAT never exceeds its owner: both must allow", () => {
    const owner = makePrincipal("bob", "user", ["tables:read:A"]);
    const pat = { ...makePrincipal("bob", "user", ["tables:read:*"]), within: owner };
    expect(authorize(pat, "tables:read", "A").allow).toBe(true);
    expect(authorize(pat, "tables:read", "B").allow).toBe(false);
    const narrow = { ...makePrincipal("bob", "user", ["tables:read:B"]), within: owner };
    expect(authorize(narrow, "tables:read", "A").allow).toBe(false);
  });
});

describe("domains in authorize()", () => {
  const A = "c16c980a-9d4c-4793-8fb2-c81304cf1d9f";
  test("a PAT scope with optional_domain_id counts only in that domain", () => {
    const owner = makePrincipal("user:bob", "user", ["keys:create:*", "tables:read:*"]);
    const pat = {
      ...makePrincipal(
        "user:bob",
        "user",
        patScopes([
          { entity_type: "clients", operation: "create", entity_id: "*", optional_domain_id: A },
          { entity_type: "tables", operation: "read", entity_id: "*" },
        ]),
      ),
      within: owner,
    };
    expect(authorize(pat, "keys:create", "*", A).allow).toBe(true);
    expect(authorize(pat, "keys:create", "*").allow).toBe(false); // the default domain
    expect(authorize(pat, "keys:create", "*", "another").allow).toBe(false);
    expect(authorize(pat, "tables:read", "T", A).allow).toBe(true); // no domain: every domain
    expect(authorize(pat, "tables:read", "T").allow).toBe(true);
  });

  test("a key acts in its own domain only, whatever its scopes say", () => {
    const k = { ...makePrincipal("dev", "client", ["tables:read:*", "channels:publish:*"]), domain: A };
    expect(authorize(k, "channels:publish", "c1", A).allow).toBe(true);
    const other = authorize(k, "channels:publish", "c1");
    expect(other.allow).toBe(false);
    expect(!other.allow && other.reason).toContain("another domain");
    const plain = makePrincipal("dev2", "client", ["tables:read:*"]);
    expect(authorize(plain, "tables:read", "T").allow).toBe(true); // default domain, as before
    expect(authorize(plain, "tables:read", "T", A).allow).toBe(false);
  });
});
