// Small file helpers with explicit modes: secrets 0600, directories 0700.
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomHex } from "./fingerprint.ts";

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Write via a temp file + rename so readers never see half a file. */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${randomHex(4)}`;
  try {
    writeFileSync(tmp, data, { mode, flag: "wx" });
    chmodSync(tmp, mode); // umask may have narrowed it
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Create a file that must not exist yet (fails with EEXIST otherwise). */
export function writeFileExclusive(path: string, data: string, mode: number): void {
  writeFileSync(path, data, { mode, flag: "wx" });
  chmodSync(path, mode);
}
