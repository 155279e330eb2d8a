// ingest: payload formats (JSON rows, CSV, NDJSON, gzip, SenML) -> rows, and time formats.
export { parsePayload } from "./parse.ts";
export { parseInSlices, BIG_BODY } from "./parse-async.ts";
export { parseJsonExact } from "./json.ts";
export { assertTimeformat, formatTime, parseTime } from "./time-format.ts";
export { RawNumber, type Row, type ParseOptions } from "./row.ts";
export {
  looksLikeSenml,
  parseSenml,
  resolveSenml,
  type SenmlRecord,
} from "./senml.ts";
