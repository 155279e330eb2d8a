import { describe, expect, test } from "bun:test";
import type { ClientRecord } from "../registry/index.ts";
import { boxTable, clientsJson, displayStatus, formatTime, rfc3339 } from "./shell-key-format.ts";

const T0 = Date.UTC(2023, 1, 5, 1, 55, 18);
const T1 = Date.UTC(2033, 1, 2, 1, 55, 18);
const rec = (o: Partial<ClientRecord>): ClientRecord => ({
  id: "myid2",
  certFingerprint: "ab".repeat(32),
  certSerial: "01",
  keyType: "ec",
  notBefore: T0,
  notAfter: T1,
  createdAt: T0,
  status: "active",
  domainId: "00000000-0000-4000-8000-000000000000",
  domainStatus: "enabled",
  disabled: false,
  scopes: ["tables:read:*"],
  revokedAt: null,
  lastUsedAt: null,
  ...o,
});

describe("key list formatting", () => {
  test("times print like Go's default UTC format, as machbase-neo prints them", () => {
    expect(formatTime(T0)).toBe("2023-02-05 01:55:18 +0000 UTC");
    expect(rfc3339(T0 + 123)).toBe("2023-02-05T01:55:18Z");
  });

  test("the box table reproduces machbase-neo's row for the same data", () => {
    const lines = boxTable([rec({})], T0 + 1000).split("\n");
    expect(
      lines[3]!.startsWith(
        "│      1 │ myid2                │ 2023-02-05 01:55:18 +0000 UTC │ 2033-02-02 01:55:18 +0000 UTC │",
      ),
    ).toBe(true);
  });

  test("a long id widens its column and every line keeps the same width", () => {
    const long = "x".repeat(40);
    const out = boxTable([rec({ id: long }), rec({ id: "s", lastUsedAt: T0 })], T0 + 1000);
    const lines = out.trimEnd().split("\n");
    expect(lines[3]).toContain(`│ ${long} │`);
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
  });

  test("an empty registry prints the header and the closing rule", () => {
    expect(boxTable([], 0).trimEnd().split("\n")).toHaveLength(4);
  });

  test("status is revoked, expired, not yet valid or active", () => {
    expect(displayStatus(rec({ status: "revoked" }), T0 + 1)).toBe("revoked");
    expect(displayStatus(rec({}), T1)).toBe("expired");
    expect(displayStatus(rec({}), T0 - 1)).toBe("not yet valid");
    expect(displayStatus(rec({}), T0)).toBe("active");
  });

  test("json carries id, validity, status, key type, fingerprint and last use", () => {
    expect(clientsJson([rec({ lastUsedAt: T0 })], T0 + 1)).toEqual([
      {
        id: "myid2",
        notBefore: "2023-02-05T01:55:18Z",
        notAfter: "2033-02-02T01:55:18Z",
        status: "active",
        keyType: "ec",
        fingerprint: "ab".repeat(32),
        lastUsed: "2023-02-05T01:55:18Z",
        scopes: ["tables:read:*"],
      },
    ]);
  });
});
