// The query pool's shapes and how it starts a query process.
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { Logger } from "../lib/log.ts";
import type { QueryAnswer, QueryCaps, QueryRequest } from "./execute.ts";

export interface PoolOptions extends QueryCaps {
  /** the series store file the query processes open read-only */
  file: string;
  workers: number;
  timeoutMs: number;
  /** resident memory one query process may reach, bytes */
  maxMemory: number;
  /** queries that may wait for a free process before new ones are refused */
  maxWaiting: number;
  /** queries one principal may have waiting (default 4) */
  maxQueuedPerPrincipal?: number;
  /** a query process idle this long exits (its memory goes back to the system) */
  idleMs?: number;
  log: Logger;
}

/** where a streamed answer's pieces go; `ack` asks the query process for more */
export interface ChunkSink {
  chunk(text: string, ack: () => void): void;
  /**
   * aborted: the reader went away; the query is stopped. Read once the first piece went
   * to chunk() (a small answer comes whole and never needs a reader's signal)
   */
  readonly signal?: AbortSignal;
}

export interface Job {
  /** whose share it uses (a principal key; "" for the gateway's own reads) */
  who: string;
  req: QueryRequest;
  deadline: number;
  resolve(a: QueryAnswer): void;
  sink?: ChunkSink;
  /** pieces of an answer nobody streams, joined in front of its end */
  parts: string[];
  /** a piece went to the sink: the job can no longer be stopped and run again */
  streamed?: boolean;
  /** while running: give the principal's share back without answering (a borrowed job stopped) */
  giveBack?: () => void;
}

export interface Slot {
  proc: Subprocess;
  job: Job | null;
  id: number;
  timer: ReturnType<typeof setTimeout> | null;
  idle: ReturnType<typeof setTimeout> | null;
  /** performance.now() when its job started */
  startedAt: number;
}

// compiled: the executable itself is the query process (main.ts looks at NEO_QUERY_DB)
const COMPILED = import.meta.dir.startsWith("/$bunfs");

export function childCommand(): string[] {
  // NEO_QUERY_LAUNCHER: a command prefix for query processes, e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu"
  // when an arm64 build runs under qemu-user on a machine without binfmt_misc
  const launcher = (process.env.NEO_QUERY_LAUNCHER ?? "").split(/\s+/).filter(Boolean);
  return [...launcher, ...(COMPILED ? [process.execPath] : [process.execPath, join(import.meta.dir, "child.ts")])];
}

export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))}s`;
