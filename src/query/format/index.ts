// The output formats of /db/query and db/query (machbase-neo's): json, csv, box, ndjson.
import { createBoxEncoder } from "./box.ts";
import type { Encoder } from "./encoder.ts";
import { createJsonEncoder } from "./json.ts";
import { createCsvEncoder, createNdjsonEncoder } from "./lines.ts";
import type { OutputOptions } from "./options.ts";

export type { Encoder } from "./encoder.ts";
export {
  DEFAULT_OUTPUT,
  OUTPUT_FIELDS,
  type OutputOptions,
  parseCompress,
  parseOutputOptions,
} from "./options.ts";

export function createEncoder(o: OutputOptions, timeformat: string, tz: string | undefined): Encoder {
  switch (o.format) {
    case "csv":
      return createCsvEncoder(o);
    case "ndjson":
      return createNdjsonEncoder(o);
    case "box":
      return createBoxEncoder(o, timeformat, tz);
    default:
      return createJsonEncoder(o);
  }
}

/** the Content-Type a format answers with (known before the query runs) */
export function contentTypeOf(o: OutputOptions): string {
  return createEncoder(o, "ns", undefined).contentType;
}
