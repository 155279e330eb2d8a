// A parse worker (see parse-async.ts): big /db/write bodies are decompressed and parsed
// here, off the event loop, and the rows go back in slices small enough that receiving
// one costs the event loop a few milliseconds.
import { parsePayload } from "./parse.ts";
import type { ParseOptions, Row } from "./row.ts";

declare const self: Worker;

export interface ParseJob {
  id: number;
  body: Uint8Array;
  opts: ParseOptions;
  slice: number;
}
export type ParseReply =
  | { id: number; rows: Row[]; done: boolean }
  | { id: number; error: { message: string; status: number } };

self.onmessage = (e: MessageEvent<ParseJob>) => {
  const { id, body, opts, slice } = e.data;
  let rows: Row[];
  try {
    rows = parsePayload(body, opts);
  } catch (err) {
    const status = (err as { status?: number }).status ?? 400;
    self.postMessage({ id, error: { message: err instanceof Error ? err.message : String(err), status } });
    return;
  }
  if (rows.length === 0) self.postMessage({ id, rows, done: true });
  for (let i = 0; i < rows.length; i += slice)
    self.postMessage({ id, rows: rows.slice(i, i + slice), done: i + slice >= rows.length });
};
