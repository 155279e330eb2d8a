import { describe, expect, test } from "bun:test";
import { parseConfigText } from "./load.ts";

const parse = (text: string) => parseConfigText(text, "neo.conf", "/");

describe("Auth { DefaultScopes AnonymousScopes }", () => {
  test("scope lists are read and kept as written", () => {
    const r = parse(
      'Auth {\n  DefaultScopes = ["topics:publish:devices/%c/#", "clients:connect:%c"]\n  AnonymousScopes = ["topics:subscribe:#", "!topics:subscribe:test/nosubscribe"]\n}\n',
    );
    expect(r.problems).toEqual([]);
    expect(r.patch.auth).toEqual({
      defaultScopes: ["topics:publish:devices/%c/#", "clients:connect:%c"],
      anonymousScopes: ["topics:subscribe:#", "!topics:subscribe:test/nosubscribe"],
    });
  });

  test("every bad scope is named with its line, never silently ignored", () => {
    const r = parse('Auth {\n  AnonymousScopes = ["topics:subscribe:#", "topics:sub:x", "tables:read:1x"]\n}\n');
    expect(r.problems.length).toBe(1);
    expect(r.problems[0]).toContain("neo.conf:2");
    expect(r.problems[0]).toContain('unknown operation "sub"');
    expect(r.problems[0]).toContain('invalid table "1x"');
  });

  test("a scope list must be a list of strings", () => {
    expect(parse("Auth { DefaultScopes = true }").problems[0]).toContain("expected a list of scopes");
  });

  test("an empty list is allowed: keys without --scope may then do nothing", () => {
    expect(parse("Auth { DefaultScopes = [] }").patch.auth).toEqual({ defaultScopes: [] });
  });
});
