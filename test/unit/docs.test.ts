// The docs a newcomer finds their way in: every page in docs/ is on the README's map, and
// every relative link in the README and docs/ leads to a file that exists.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const pages = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("documentation", () => {
  test("every page in docs/ is on the README's map", () => {
    expect(pages.filter((p) => !readme.includes(`(docs/${p})`))).toEqual([]);
  });

  test("every relative link in the README and docs/ leads to an existing file", () => {
    const broken: string[] = [];
    for (const file of ["README.md", ...pages.map((p) => `docs/${p}`)]) {
      const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
        if (!existsSync(resolve(dirname(join(ROOT, file)), target))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
