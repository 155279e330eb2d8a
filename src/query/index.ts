// query: read-only SQL off the event loop. ONE entry point, `QueryService.run`, used by
// HTTP /db/query, the MQTT db/query topic and the console alike (authorization sits in
// front of it; each caller names its principal, whose fair share of the pool it uses). Limits: Query.Timeout, Query.MaxRows, Query.MaxBytes, Query.MaxMemory,
// Query.Workers (see docs/storage.md "Query limits").
import type { QueryConfig } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import type { QueryAnswer, QueryRequest } from "./execute.ts";
import { type ChunkSink, createQueryPool } from "./pool.ts";

export type { QueryAnswer, QueryCells, QueryParam, QueryRefusal, QueryRequest } from "./execute.ts";
export {
  contentTypeOf,
  DEFAULT_OUTPUT,
  OUTPUT_FIELDS,
  parseCompress,
  parseOutputOptions,
} from "./format/index.ts";
export type { ChunkSink } from "./pool.ts";
export { openTableFinder, type TableFinder } from "./read-tables.ts";

export type QueryLimits = QueryConfig;

export interface QueryService {
  /** Run one read-only statement; resolves with the reply body or a status + reason. Never rejects. */
  run(req: QueryRequest, sink?: ChunkSink, who?: string): Promise<QueryAnswer>;
  /** Query.Timeout in ms (callers size their own transport timeouts after it) */
  readonly timeoutMs: number;
  /** pids of the query processes alive now */
  pids(): number[];
  close(): void;
}

export function createQueryService(file: string, limits: QueryLimits, log: Logger): QueryService {
  const pool = createQueryPool({ file, ...limits, maxWaiting: 64, log });
  return {
    timeoutMs: limits.timeoutMs,
    run: (req, sink, who) => pool.run(req, sink, who),
    pids: () => pool.pids(),
    close: () => pool.close(),
  };
}

/** the JSON body for a refused or failed query, in the /db/* reply shape */
export function refusalBody(a: { reason: string }, elapse?: string): string {
  return JSON.stringify(elapse ? { success: false, reason: a.reason, elapse } : { success: false, reason: a.reason });
}
export { parseReaderQuery, type ReaderQuery, readerSql } from "./readers.ts";
