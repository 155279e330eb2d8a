// The dependency rules of docs/architecture.md, checked from the import lines:
// which folder under src/ may import which, and only through its index.ts.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

const SRC = resolve(import.meta.dir, "../../src");

// folder -> folders it may import (lib is always allowed; a folder may import itself)
const ALLOWED: Record<string, string[]> = {
  // what the commands need without a server (docs/architecture.md says why each)
  cli: ["bridge", "export", "app", "config", "registry", "pki", "web"],
  app: [
    "bridge",
    "export",
    "config",
    "http",
    "mqtt",
    "auth",
    "registry",
    "pki",
    "ingest",
    "storage",
    "web",
    "query",
    "metrics",
    "grpc",
    "coap",
  ],
  grpc: ["auth", "registry", "ingest", "query", "storage"],
  coap: ["auth", "registry"],
  http: ["auth", "registry", "pki", "ingest", "storage", "config", "query"],
  query: ["config", "ingest", "storage"],
  web: ["registry", "auth", "pki"],
  auth: ["registry", "pki"],
  registry: ["storage"],
  mqtt: [],
  storage: [],
  bridge: ["storage"],
  export: ["bridge", "storage"],
  config: [],
  pki: [],
  ingest: [],
  metrics: [],
  lib: [],
};

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
        else if (relative(join(SRC, to), target) !== "index.ts")
          problems.push(`${rel}: import ${to} through its index.ts, not ${spec}`);
      }
    }
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
});
