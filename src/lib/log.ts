// Logs on stderr: `2026/11/23 06:30:00.123 INFO  http     message` (UTC).
// Under systemd (JOURNAL_STREAM is set when stderr is the journal) each line instead
// starts with its sd-daemon priority, `<6>INFO  http     message`, without our own
// timestamp: journald stores the time and the level (`journalctl -p warning` works).
// stdout is kept for machine-readable lines (the ready line) and command output.
// Every line is terminal-safe: control characters in a message (a client id, a topic)
// become visible escapes (safe-text.ts), so nothing logged can forge a line or steer a terminal.
import { writeSync } from "node:fs";
import { safeLines, safeText } from "./safe-text.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: number = order.info;
let sink: (line: string) => void = writeStderr;

/**
 * A direct write(2) on fd 1 or 2: the first process.stdout / process.stderr write builds
 * Node's stream machinery (milliseconds at startup, ~2-3 MB resident for good: bench/RESULTS.md
 * "Session 7: start"). Falls back to the stream when the fd would block.
 */
export function writeLine(fd: 1 | 2, line: string): void {
  const buf = Buffer.from(line + "\n");
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off);
  } catch {
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
  }
}

function writeStderr(line: string): void {
  writeLine(2, line);
}

export function setLogLevel(level: LogLevel): void {
  threshold = order[level];
}
export function setLogSink(fn: (line: string) => void): void {
  sink = fn;
}

const pad2 = (n: number) => String(n).padStart(2, "0");
// UTC: a fleet's gateways agree on one clock in their logs, journald adds local time
// itself, and the first local-time conversion would load the time zone data (+3 MB RSS).
function stamp(d = new Date()): string {
  return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, "0")}`;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, cause?: unknown): void;
}

const PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };
let journald = Boolean(process.env.JOURNAL_STREAM);
/** for tests: force the journald form on or off */
export function setJournald(on: boolean): void {
  journald = on;
}

/** one log line; for the journal a newline would split it into entries without a level */
export function formatLine(level: LogLevel, subsystem: string, msg: string, now = new Date()): string {
  const head = `${level.toUpperCase().padEnd(5)} ${subsystem.padEnd(8)} `;
  return journald
    ? `<${PRIORITY[level]}>${head}${safeText(msg.replace(/\r?\n\s*/g, " | "))}`
    : `${stamp(now)} ${head}${safeLines(msg)}`;
}

export function createLogger(subsystem: string): Logger {
  const emit = (level: LogLevel, msg: string) => {
    if (order[level] < threshold) return;
    sink(formatLine(level, subsystem, msg));
  };
  return {
    debug: (m) => emit("debug", safeText(m)),
    info: (m) => emit("info", safeText(m)),
    warn: (m) => emit("warn", safeText(m)),
    // the message itself is one line (a newline in it is escaped); a cause's stack keeps its lines
    error: (m, cause) =>
      emit(
        "error",
        cause === undefined
          ? safeText(m)
          : `${safeText(m)}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
      ),
  };
}
