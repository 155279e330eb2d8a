// The dependency rules of docs/architecture.md, checked from the import lines:
// which folder under src/ may import which, and only through its index.ts.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

const SRC = resolve(import.meta.dir, "../../src");

// folder -> folders it may import (lib is always allowed; a folder may import itself),
// read from the table in docs/architecture.md "Which may import which": the page and the
// code cannot say different things.
const DOC = readFileSync(resolve(import.meta.dir, "../../docs/architecture.md"), "utf8");

function allowedFromDoc(doc: string): Record<string, string[]> {
  const section = doc.split(/^## Which may import which$/m)[1]?.split(/^## /m)[0] ?? "";
  const out: Record<string, string[]> = {};
  for (const line of section.split("\n")) {
    const m = /^\|\s*`([a-z]+)`\s*\|([^|]*)\|/.exec(line);
    if (!m?.[1]) continue;
    out[m[1]] = [...(m[2] ?? "").matchAll(/`([a-z]+)`/g)].map((x) => x[1] as string);
  }
  return out;
}
const ALLOWED = allowedFromDoc(DOC);
/**
 * a folder's entries besides index.ts: http/channel-routes.ts keeps the channel adapters'
 * routes out of the whole HTTP barrel, which the broker's start graph must not load
 */
const ENTRIES: Record<string, string[]> = { http: ["index.ts", "channel-routes.ts"] };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

const IMPORT =
  /^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith(".")) out.push(spec);
  }
  return out;
}

describe("import rules", () => {
  const all = files(SRC);
  const folderOf = (p: string) => relative(SRC, p).split("/")[0] ?? "";

  test("every src folder is in the rule table", () => {
    const folders = new Set(all.map(folderOf).filter((f) => !f.endsWith(".ts")));
    for (const f of folders) expect(Object.keys(ALLOWED)).toContain(f);
  });

  test("each folder imports only the folders the architecture allows, through their index.ts", () => {
    const problems: string[] = [];
    for (const file of all) {
      const from = folderOf(file);
      if (from.endsWith(".ts")) continue; // src/main.ts
      for (const spec of imports(file)) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(SRC)) continue; // package.json, web/ sources
        const to = folderOf(target);
        if (to === from || to === "lib") continue;
        const rel = relative(SRC, file);
        if (!ALLOWED[from]?.includes(to)) problems.push(`${rel}: ${from} may not import ${to} (${spec})`);
        else if (!(ENTRIES[to] ?? ["index.ts"]).includes(relative(join(SRC, to), target)))
          problems.push(`${rel}: import ${to} through its index.ts, not ${spec}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("ui/ and src/web/ do not import each other in a loop: ui takes only the console's wire types", () => {
    const UI = resolve(SRC, "../ui");
    const uiFiles = readdirSync(UI, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.parentPath.includes("dist"))
      .map((e) => join(e.parentPath, e.name));
    const problems: string[] = [];
    for (const file of uiFiles)
      for (const spec of imports(file)) {
        const target = resolve(dirname(file), spec);
        if (target.startsWith(SRC) && relative(SRC, target) !== "http/routes/console-views.ts")
          problems.push(`${relative(UI, file)} imports ${relative(SRC, target)}`);
      }
    // the wire types import nothing that could lead back to ui/
    for (const spec of imports(join(SRC, "http/routes/console-views.ts")))
      if (!spec.startsWith("../../auth/")) problems.push(`console-views.ts imports ${spec}`);
    expect(problems).toEqual([]);
  });

  test("lib imports nothing else from src", () => {
    for (const file of all.filter((f) => folderOf(f) === "lib")) {
      for (const spec of imports(file)) {
        const target = resolve(dirname(file), spec);
        if (target.startsWith(SRC)) expect(folderOf(target)).toBe("lib");
      }
    }
  });

  test("the architecture's table lists every folder and no folder twice", () => {
    expect(Object.keys(ALLOWED).length).toBeGreaterThan(10);
    for (const [from, tos] of Object.entries(ALLOWED)) {
      expect(new Set(tos).size).toBe(tos.length);
      for (const to of tos) expect(Object.keys(ALLOWED)).toContain(to);
      expect(tos).not.toContain(from);
    }
  });

  test("the allowed imports have no cycle between folders", () => {
    const seen = new Map<string, "open" | "done">();
    const cycle: string[] = [];
    const visit = (f: string, path: string[]): boolean => {
      if (seen.get(f) === "done") return false;
      if (seen.get(f) === "open") {
        cycle.push(...path, f);
        return true;
      }
      seen.set(f, "open");
      for (const to of ALLOWED[f] ?? []) if (visit(to, [...path, f])) return true;
      seen.set(f, "done");
      return false;
    };
    for (const f of Object.keys(ALLOWED)) if (visit(f, [])) break;
    expect(cycle).toEqual([]);
  });
});
