// Temp dirs made by the tests, removed once the last test file has run: bunfig.toml preloads
// this module, so its afterAll is global (bun test fires no process "exit" event to clean up in).
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** a fresh dir under the system temp dir, removed after the whole run */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});
