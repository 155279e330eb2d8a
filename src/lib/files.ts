// File writes that never leave half a file behind: the one helper every module uses.
// Write a temp file next to the target, fsync it, then rename it over the target (or link
// it into place when the target must not exist yet), then fsync the directory, so after
// a crash or power cut the file is either the old one or the whole new one.
import {
  chmodSync,
  closeSync,
  copyFileSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { randomHex } from "./secret-bytes.ts";

const tempName = (path: string) => `${path}.tmp-${randomHex(4)}`;

/**
 * Replace (or create) `path` with `data` atomically and durably, with exactly `mode`.
 * `exclusive`: fail with EEXIST instead of replacing an existing file (the temp file is
 * linked into place, so two processes racing end up with one winner and no mix).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
  opts: { exclusive?: boolean } = {},
): void {
  const tmp = tempName(path);
  try {
    writeDurable(tmp, data, mode);
    if (opts.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
    syncDir(dirname(path));
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Copy `src` over `dest` the same way (a big file such as the binary is never read into memory). */
export function copyFileAtomic(src: string, dest: string, mode: number): void {
  const tmp = tempName(dest);
  try {
    copyFileSync(src, tmp);
    chmodSync(tmp, mode);
    const fd = openSync(tmp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
    syncDir(dirname(dest));
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Create `path`, which must not exist yet (EEXIST otherwise), with exactly `mode`, fsynced. */
export function writeFileExclusive(path: string, data: string | Uint8Array, mode: number): void {
  writeDurable(path, data, mode);
}

function writeDurable(path: string, data: string | Uint8Array, mode: number): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const fd = openSync(path, "wx", mode);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode); // umask may have narrowed it
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on a directory; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
