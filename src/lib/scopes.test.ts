import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ALL_ACCESS_SCOPES, parseScope, parseScopes, scopeProblem, summarizeScopes } from "./scopes.ts";

describe("scope grammar", () => {
  test("a scope is type, operation and target; a leading ! makes it a deny", () => {
    expect(parseScope("topics:publish:devices/%c/#")).toMatchObject({
      deny: false,
      type: "topics",
      operation: "topics:publish",
      target: "devices/%c/#",
    });
    expect(parseScope("!topics:subscribe:test/nosubscribe")).toMatchObject({ deny: true, target: "test/nosubscribe" });
  });

  test("table names are case-insensitive and stored upper-cased, like the tables themselves", () => {
    expect(parseScope("tables:read:tag").text).toBe("tables:read:TAG");
    expect(parseScope("tables:write:*").text).toBe("tables:write:*");
  });

  test("a topic target keeps every colon after the operation", () => {
    expect(parseScope("topics:publish:urn:dev:1").target).toBe("urn:dev:1");
  });

  test("every known type parses with its operations", () => {
    for (const s of [
      ...ALL_ACCESS_SCOPES,
      "keys:list:*",
      "keys:rotate:%c",
      "keys:delete:sensor-1",
      "metrics:read:*",
      "clients:connect:%c-*",
      "channels:publish:3f2a-channel",
      "channels:subscribe:*",
      "channels:list:*",
      "channels:create:plant-7",
      "channels:delete:plant-7",
      "channels:connect:*",
      "!channels:disconnect:plant.a_b",
    ])
      expect(scopeProblem(s)).toBeNull();
  });

  test("unknown types, operations and malformed targets are refused with a message naming the fault", () => {
    expect(scopeProblem("topic:publish:a")).toContain('unknown type "topic"');
    expect(scopeProblem("topics:write:a")).toContain('unknown operation "write" for topics');
    expect(scopeProblem("topics:publish")).toContain("<type>:<operation>:<target>");
    expect(scopeProblem("topics:publish:")).toContain("missing target");
    expect(scopeProblem("topics:subscribe:a/#/b")).toContain("invalid topic filter");
    expect(scopeProblem("topics:subscribe:a+/b")).toContain("invalid topic filter");
    expect(scopeProblem("topics:subscribe:$share/g/a")).toContain("$share");
    expect(scopeProblem("topics:publish:devices/%u/#")).toContain("%c");
    expect(scopeProblem("tables:read:1abc")).toContain("invalid table");
    expect(scopeProblem("tables:read:sqlite_schema")).toContain("invalid table");
    expect(scopeProblem("metrics:read:cpu")).toContain("metrics takes * only");
    expect(scopeProblem("keys:list:Bad Id")).toContain("whitespace");
    expect(scopeProblem("channels:publish:a/b")).toContain("invalid channel id");
    expect(scopeProblem("channels:connect:%c")).toContain("invalid channel id");
    expect(scopeProblem("channels:manage:x")).toContain(
      'unknown operation "manage" for channels (known: publish, subscribe, list, create, update, delete, connect, disconnect)',
    );
  });

  test("a list reports every bad entry at once and drops duplicates", () => {
    expect(() => parseScopes(["tables:read:a", "nope", "topics:x:y"])).toThrow(/"nope".*; .*unknown operation/);
    expect(parseScopes(["tables:read:a", "tables:read:A"]).map((s) => s.text)).toEqual(["tables:read:A"]);
  });

  test("parsing never throws anything but a clear invalid_scope error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          const p = parseScope(s);
          expect(parseScope(p.text).text).toBe(p.text); // canonical text parses to itself
        } catch (e) {
          expect((e as { code?: string }).code).toBe("invalid_scope");
          expect((e as Error).message.length).toBeGreaterThan(10);
        }
      }),
    );
  });

  test("every channel operation takes any valid channel id or *, and refuses the rest naming the id", () => {
    const ops = ["publish", "subscribe", "list", "create", "update", "delete", "connect", "disconnect"];
    const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/);
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.oneof(id, fc.constant("*")), fc.boolean(), (op, target, deny) => {
        const p = parseScope(`${deny ? "!" : ""}channels:${op}:${target}`);
        expect(p).toMatchObject({ deny, type: "channels", operation: `channels:${op}`, target });
        expect(parseScope(p.text).text).toBe(p.text);
      }),
    );
    // printable ASCII without whitespace (whitespace has its own message)
    const bad = fc
      .string({ unit: fc.constantFrom(..."aZ09_.-/#+:%$@!*&?é"), minLength: 1, maxLength: 20 })
      .filter((s) => s !== "*" && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(s));
    fc.assert(
      fc.property(fc.constantFrom(...ops), bad, (op, target) => {
        expect(scopeProblem(`channels:${op}:${target}`)).toContain(`invalid channel id "${target}"`);
      }),
    );
  });

  test("listings summarize the all-access set and shorten long lists", () => {
    expect(summarizeScopes(ALL_ACCESS_SCOPES)).toBe("all access");
    expect(summarizeScopes(["a", "b", "c", "d", "e"])).toBe("a b c (+2 more)");
    expect(summarizeScopes([])).toBe("none");
  });
});
