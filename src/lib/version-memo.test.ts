import { expect, test } from "bun:test";
import { versionMemo } from "./version-memo.ts";

test("an answer is computed once while the version stays, and again after it moved", () => {
  let version = 1;
  let computed = 0;
  const registered = new Set(["a"]);
  const memo = versionMemo(
    () => version,
    (id) => {
      computed++;
      return registered.has(id);
    },
  );
  expect([memo("a"), memo("a"), memo("b"), memo("b")]).toEqual([true, true, false, false]);
  expect(computed).toBe(2);
  registered.add("b");
  version++;
  expect(memo("b")).toBe(true);
  expect(computed).toBe(3);
});

test("past its bound the memo starts again empty", () => {
  let computed = 0;
  const memo = versionMemo(
    () => 1,
    () => ++computed,
    2,
  );
  memo("a");
  memo("b");
  memo("c"); // clears, then holds c
  expect(memo("c")).toBe(3);
  expect(memo("a")).toBe(4);
});
