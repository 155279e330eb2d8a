// Reading request bodies with a size cap, whatever the transfer encoding: the cap is
// checked on every chunk as it arrives, so a body over it (chunked or not) is refused
// having cost at most `limit` bytes of memory. Every route that reads a body uses this.
import { NeoError } from "../errors.ts";

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

const tooLarge = (limit: number) => new NeoError("body_too_large", `request body exceeds ${limit} bytes`, 413);

export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  try {
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (e) {
        // the client went away mid-body: its problem, not ours (logged at debug by the caller)
        throw new NeoError("body_aborted", `request body aborted after ${total} bytes`, 400, e);
      }
      if (step.done) break;
      total += step.value.byteLength;
      if (total > limit) throw tooLarge(limit);
      chunks.push(step.value);
    }
  } finally {
    // stop reading: what is left of an over-limit body is never buffered
    if (total > limit) void reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Lower-case media type without parameters: "text/csv; charset=utf-8" -> "text/csv". */
export function mediaType(req: Request): string {
  return (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}
