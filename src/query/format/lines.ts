// format=csv and format=ndjson: one line per row, written as the rows come.
// A cut answer says so in its last line (the header X-Neo-Truncated cannot follow a
// stream that has started): csv `# <reason>`, ndjson {"truncated":true,"cut",...}.
import type { Encoder } from "./encoder.ts";
import type { OutputOptions } from "./options.ts";
import { csvField, jsonCell, textCell } from "./values.ts";

export function createCsvEncoder(o: OutputOptions): Encoder {
  let types: string[] = [];
  let n = 0;
  const line = (fields: string[]) => `${fields.map((f) => csvField(f, o.delimiter)).join(o.delimiter)}\n`;
  return {
    contentType: "text/csv; charset=utf-8",
    head(columns, t) {
      types = t;
      if (!o.heading) return "";
      return line(o.rownum ? ["ROWNUM", ...columns] : columns);
    },
    encode(cells) {
      const fields = cells.map((v, i) => textCell(v, types[i], o.precision));
      if (o.rownum) fields.unshift(String(n + 1));
      return line(fields);
    },
    push(text) {
      n++;
      return text;
    },
    end(info) {
      return info.cut ? `# ${info.reason.replace(/[\r\n]+/g, " ")}\n` : "";
    },
  };
}

export function createNdjsonEncoder(o: OutputOptions): Encoder {
  let types: string[] = [];
  let keys: string[] = [];
  let n = 0;
  return {
    contentType: "application/x-ndjson",
    head(columns, t) {
      types = t;
      keys = columns.map((c) => JSON.stringify(c));
      return "";
    },
    encode(cells) {
      const fields = cells.map((v, i) => `${keys[i]}:${jsonCell(v, types[i], o.precision)}`);
      if (o.rownum) fields.unshift(`"ROWNUM":${n + 1}`);
      return `{${fields.join(",")}}\n`;
    },
    push(text) {
      n++;
      return text;
    },
    end(info) {
      if (!info.cut) return "";
      return `${JSON.stringify({ truncated: true, cut: info.cut, reason: info.reason })}\n`;
    },
  };
}
