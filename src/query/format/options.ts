// The output options of /db/query and the db/query topic, with machbase-neo's names and
// defaults: format json|csv|box|ndjson, heading (header=skip), precision, rownum, and for
// JSON transpose / rowsArray / rowsFlatten; csv's delimiter; box's style. Times
// (timeformat, tz) stay on the request itself: every format renders them the same way.
import { badRequest } from "../../lib/errors.ts";

const FORMATS = ["json", "csv", "box", "ndjson"] as const;
type OutputFormat = (typeof FORMATS)[number];
const BOX_STYLES = ["default", "light", "round", "double", "bold"] as const;
export type BoxStyle = (typeof BOX_STYLES)[number];

export interface OutputOptions {
  format: OutputFormat;
  /** column names as the first line (csv) or table header (box); json always has them */
  heading: boolean;
  /** digits after the point for doubles; -1 = as stored */
  precision: number;
  /** a ROWNUM column first, counting from 1 */
  rownum: boolean;
  /** json: one array per column ("cols") instead of one per row */
  transpose: boolean;
  /** json: each row an object keyed by column name */
  rowsArray: boolean;
  /** json: every row's cells in one flat array */
  rowsFlatten: boolean;
  /** csv: one character between fields */
  delimiter: string;
  boxStyle: BoxStyle;
  boxSeparateColumns: boolean;
  boxDrawBorder: boolean;
}

export const DEFAULT_OUTPUT: OutputOptions = {
  format: "json",
  heading: true,
  precision: -1,
  rownum: false,
  transpose: false,
  rowsArray: false,
  rowsFlatten: false,
  delimiter: ",",
  boxStyle: "default",
  boxSeparateColumns: true,
  boxDrawBorder: true,
};

/** every request field the options are read from (query string, form, JSON body, MQTT payload) */
export const OUTPUT_FIELDS = [
  "format",
  "heading",
  "header",
  "precision",
  "rownum",
  "transpose",
  "rowsArray",
  "rowsFlatten",
  "delimiter",
  "boxStyle",
  "boxSeparateColumns",
  "boxDrawBorder",
] as const;

type Raw = string | number | boolean | undefined;

function bool(name: string, v: Raw, dflt: boolean): boolean {
  if (v === undefined || v === "") return dflt;
  if (typeof v === "boolean") return v;
  const s = String(v).toLowerCase();
  if (s === "true" || s === "1") return true;
  if (s === "false" || s === "0") return false;
  throw badRequest("bad_request", `${name} must be true or false, not ${JSON.stringify(v)}`);
}

function oneOf<T extends string>(name: string, v: Raw, allowed: readonly T[], dflt: T): T {
  if (v === undefined || v === "") return dflt;
  const s = String(v).toLowerCase();
  const hit = allowed.find((a) => a === s);
  if (hit === undefined)
    throw badRequest("bad_request", `unsupported ${name} ${JSON.stringify(v)} (use ${allowed.join(", ")})`);
  return hit;
}

/** Read and check the output options; `get(name)` returns the raw value the caller received. */
export function parseOutputOptions(get: (name: string) => Raw): OutputOptions {
  const o: OutputOptions = { ...DEFAULT_OUTPUT };
  o.format = oneOf("format", get("format"), FORMATS, "json");
  o.heading = bool("heading", get("heading"), true);
  const header = get("header");
  if (header !== undefined && header !== "") {
    const h = String(header).toLowerCase();
    if (h === "skip") o.heading = false;
    else if (h !== "columns")
      throw badRequest("bad_request", `header must be skip or columns, not ${JSON.stringify(header)}`);
  }
  const p = get("precision");
  if (p !== undefined && p !== "") {
    const n = Number(p);
    if (!Number.isInteger(n) || n < -1 || n > 20)
      throw badRequest("bad_request", `precision must be a whole number from -1 to 20, not ${JSON.stringify(p)}`);
    o.precision = n;
  }
  o.rownum = bool("rownum", get("rownum"), false);
  o.transpose = bool("transpose", get("transpose"), false);
  o.rowsArray = bool("rowsArray", get("rowsArray"), false);
  o.rowsFlatten = bool("rowsFlatten", get("rowsFlatten"), false);
  const d = get("delimiter");
  if (d !== undefined && d !== "") {
    const s = String(d) === "\\t" ? "\t" : String(d);
    if ([...s].length !== 1 || /["\r\n]/.test(s))
      throw badRequest("bad_request", `delimiter must be one character other than a quote or newline`);
    o.delimiter = s;
  }
  o.boxStyle = oneOf("boxStyle", get("boxStyle"), BOX_STYLES, "default");
  o.boxSeparateColumns = bool("boxSeparateColumns", get("boxSeparateColumns"), true);
  o.boxDrawBorder = bool("boxDrawBorder", get("boxDrawBorder"), true);
  return o;
}

/** compress=gzip (machbase-neo's only value); anything else but "" is refused */
export function parseCompress(v: Raw): "gzip" | undefined {
  if (v === undefined || v === "") return undefined;
  if (String(v).toLowerCase() === "gzip") return "gzip";
  throw badRequest("bad_request", `unsupported compress ${JSON.stringify(v)} (use gzip)`);
}
