// A query process must not outlive the gateway, even one killed with SIGKILL while a
// query runs (a process busy in SQLite never sees its IPC channel close): Linux's
// PR_SET_PDEATHSIG has the kernel send it SIGKILL when its parent dies.
import { dlopen, FFIType } from "bun:ffi";

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/**
 * True when the kernel will kill this process with its parent. `parent` is the pid the
 * parent gave us: if it is gone already (killed while we were starting), we exit now.
 */
export function dieWithParent(parent: number): boolean {
  if (process.ppid !== parent) process.exit(0);
  if (process.platform !== "linux") return false;
  for (const name of ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"]) {
    try {
      const lib = dlopen(name, {
        prctl: {
          args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64],
          returns: FFIType.i32,
        },
      });
      const rc = lib.symbols.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      lib.close();
      // the parent may have died before the call: then nobody would send the signal
      if (process.ppid !== parent) process.exit(0);
      return rc === 0;
    } catch {
      // try the next name
    }
  }
  return false;
}
