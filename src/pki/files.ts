// Private directories for key material: 0700. File writes are lib/files.ts.
import { mkdirSync } from "node:fs";

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
