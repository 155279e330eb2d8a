// Reading request bodies with a size cap, whatever the transfer encoding.
import { NeoError } from "../lib/errors.ts";

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

export const tooLarge = (limit: number) => new NeoError("body_too_large", `request body exceeds ${limit} bytes`, 413);

export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(limit);
    chunks.push(chunk);
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
