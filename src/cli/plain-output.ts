// citty's help and usage text carry ANSI colours. When stdout is not a
// terminal (a pipe, a file, journald) they are noise: ask for plain text. Imported by
// main.ts before the CLI so the setting is in place before citty reads it.
// The terminal test is tty.isatty()'s own (tty_wrap): `process.stdout.isTTY` would build
// Node's stdout stream first, 2.5-3.4 ms of every start (bench/RESULTS.md "Start: the first
// CONNACK"), and importing node:tty loads the same stream machinery.
function stdoutIsTerminal(): boolean {
  try {
    const wrap = process.binding("tty_wrap") as { isTTY?: (fd: number) => boolean };
    if (typeof wrap.isTTY === "function") return wrap.isTTY(1);
  } catch {
    // no such binding: ask the stream
  }
  return process.stdout.isTTY === true;
}

if (process.env.NO_COLOR === undefined && process.env.FORCE_COLOR === undefined && !stdoutIsTerminal()) {
  process.env.NO_COLOR = "1";
}
export {};
