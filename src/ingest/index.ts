// ingest: payload formats (JSON rows, CSV, NDJSON, gzip, SenML) -> rows, and time formats.
export { parsePayload } from "./parse.ts";
export { parseInSlices, BIG_BODY, SLICE_ROWS } from "./parse-async.ts";
export { parseJsonExact } from "./json.ts";
export { assertTimeformat, formatTime, parseTime, isUnitFormat } from "./time-format.ts";
export { RawNumber, type Row, type ParseOptions } from "./row.ts";
export {
  looksLikeSenml,
  parseSenml,
  resolveSenml,
  SENML_VERSION,
  type SenmlOptions,
  type SenmlRecord,
} from "./senml.ts";
