// Room to start on a full disk. SQLite needs a small -shm file next to each WAL database
// it opens; with the file system at 100 % none can be made and the gateway could not
// start, so MQTT routing and every read path, which need no disk, were down too. So the
// data directory keeps a reserve file (1 MiB) made while there is room; a start that finds
// less than that free deletes it first, which leaves room for the -shm files, and the
// gateway runs degraded (writes refused with 507 / 0x97, /health says "full") until
// space returns, when writes resume by themselves and the reserve is made again.
import { closeSync, existsSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { join } from "node:path";

const RESERVE_FILE = ".neo-reserve";
const RESERVE_BYTES = 1024 * 1024;

const freeBytes = (dir: string) => {
  try {
    const fs = statfsSync(dir);
    return Number(fs.bavail) * Number(fs.bsize);
  } catch {
    return Infinity;
  }
};

/** at start: too little room for the -shm files? delete the reserve; true when it did */
export function releaseReserve(dir: string): boolean {
  const file = join(dir, RESERVE_FILE);
  if (!existsSync(file) || freeBytes(dir) >= RESERVE_BYTES) return false;
  rmSync(file, { force: true });
  return true;
}

/** while running: make the reserve again once the file system has room to spare (10 % free) */
export function keepReserve(dir: string): boolean {
  const file = join(dir, RESERVE_FILE);
  if (existsSync(file)) return false;
  try {
    const fs = statfsSync(dir);
    if (Number(fs.bavail) * 10 < Number(fs.blocks)) return false;
  } catch {
    return false;
  }
  let fd = -1;
  try {
    fd = openSync(file, "w", 0o600);
    const zeros = new Uint8Array(64 * 1024);
    for (let n = 0; n < RESERVE_BYTES; n += zeros.length) writeSync(fd, zeros);
    return true;
  } catch {
    rmSync(file, { force: true }); // a disk that filled meanwhile: no half reserve
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
