import { describe, expect, test } from "bun:test";
import { safeLines, safeText } from "./safe-text.ts";

describe("terminal-safe text", () => {
  test("C0, C1, DEL and bidi overrides become visible escapes; other text is unchanged", () => {
    expect(safeText("\u001b]0;pwned\u0007\u001b[2J\u001b[8mx\ny")).toBe("\\x1b]0;pwned\\x07\\x1b[2J\\x1b[8mx\\ny");
    expect(safeText("a\u007fb\u0085c\u202ed\te")).toBe("a\\x7fb\\x85c\\u202ed\\te");
    expect(safeText("plain ünïcode 温度")).toBe("plain ünïcode 温度");
  });

  test("safeLines keeps newlines but indents what follows, so no line can pose as a new entry", () => {
    expect(safeLines("Error: x\n    at f\nforged INFO line\u001b[2J")).toBe(
      "Error: x\n    at f\n  forged INFO line\\x1b[2J",
    );
  });
});
