// Journald-friendly logs on stderr: `2026/11/23 06:30:00.123 INFO  http   message`.
// stdout is kept for machine-readable lines (the ready line) and command output.
import { writeSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: number = order.info;
let sink: (line: string) => void = writeStderr;

/**
 * A direct write(2) on fd 2: the first process.stderr.write() builds Node's stream
 * machinery (~8 ms at startup). Falls back to the stream when the fd would block.
 */
function writeStderr(line: string): void {
  const buf = Buffer.from(line + "\n");
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(2, buf, off);
  } catch {
    process.stderr.write(buf.subarray(off));
  }
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

export function createLogger(subsystem: string): Logger {
  const emit = (level: LogLevel, msg: string) => {
    if (order[level] < threshold) return;
    sink(`${stamp()} ${level.toUpperCase().padEnd(5)} ${subsystem.padEnd(8)} ${msg}`);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m, cause) => emit("error", cause === undefined ? m : `${m}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`),
  };
}
