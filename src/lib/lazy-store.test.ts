import { expect, test } from "bun:test";
import { lazyStore, openNow } from "./lazy-store.ts";

test("opened at the first use, once; close() closes only what was opened; no use after close", () => {
  let opens = 0;
  let closes = 0;
  const open = () => {
    opens++;
    return { get: (k: string) => `v:${k}`, n: 42, close: () => void closes++ };
  };
  const s = lazyStore(open);
  expect(opens).toBe(0);
  expect(s.get("a")).toBe("v:a");
  expect(s.n).toBe(42);
  expect("get" in s).toBe(true);
  expect(opens).toBe(1);
  s.close();
  expect(closes).toBe(1);
  expect(() => s.get("b")).toThrow("store closed");

  const never = lazyStore(open);
  never.close();
  expect(opens).toBe(1);
  expect(closes).toBe(1);
});

test("openNow opens a store that was not used yet, once", () => {
  let opens = 0;
  const s = lazyStore(() => {
    opens++;
    return { close: () => {} };
  });
  openNow(s);
  openNow(s);
  expect(opens).toBe(1);
});
