// citty's help and usage text carry ANSI colours. When stdout is not a
// terminal (a pipe, a file, journald) they are noise: ask for plain text. Imported by
// main.ts before the CLI so the setting is in place before citty reads it.
if (!process.stdout.isTTY && process.env.NO_COLOR === undefined && process.env.FORCE_COLOR === undefined) {
  process.env.NO_COLOR = "1";
}
export {};
