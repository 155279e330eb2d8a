import { describe, expect, test } from "bun:test";
import { makePrincipal, authorize } from "./authorize.ts";
import { neoScopesOf, parsePatScopes } from "./pat-scopes.ts";

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

  test("an entity type or operation neo does not have is refused naming it", () => {
    expect(() => neoScopesOf({ entity_type: "dashboards", operation: "read", entity_id: "*" })).toThrow(
      'unknown entity_type "dashboards"',
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
