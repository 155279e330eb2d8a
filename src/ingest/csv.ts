// CSV payloads: `name,time,value` records (RFC 4180 quoting), optionally after a header
// line that is skipped (header=skip) or names the columns (header=columns). Without an
// option a first line that is exactly NAME,TIME,VALUE (any case/order) is taken as a header.
import { badPayload, columnIndexes, rowFrom, type ParseOptions, type Row } from "./row.ts";

interface Record_ {
  line: number;
  fields: string[];
}

/** Split CSV text into records; quoted fields may hold commas, quotes ("") and newlines. */
function splitCsv(text: string): Record_[] {
  if (!text.includes('"')) {
    // Fast path: no quoting, so records are lines and fields are comma-separated.
    const out: Record_[] = [];
    const lines = text.split(/\r\n|\n|\r/);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.trim() !== "") out.push({ line: i + 1, fields: l.split(",") });
    }
    return out;
  }
  const out: Record_[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let start = 1;
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === "" && !wasQuoted)) out.push({ line: start, fields });
    fields = [];
    field = "";
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"') {
      if (field.trim() !== "") throw badPayload(`line ${line}: unexpected quote inside a field`);
      field = "";
      quoted = true;
      wasQuoted = true;
    } else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) throw badPayload(`line ${start}: unterminated quoted field`);
  if (field !== "" || fields.length > 0 || wasQuoted) endRecord();
  return out;
}

export function parseCsvRows(text: string, o: ParseOptions): Row[] {
  const records = splitCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  let idx: [number, number, number] = [0, 1, 2];
  let width = 3;
  let first = 0;
  const head = records[0];
  if (head && o.header === "skip") first = 1;
  else if (head && o.header === "columns") {
    idx = columnIndexes(head.fields, `line ${head.line}`);
    width = head.fields.length;
    first = 1;
  } else if (
    head &&
    head.fields.length === 3 &&
    head.fields
      .map((f) => f.trim().toUpperCase())
      .sort()
      .join() === "NAME,TIME,VALUE"
  ) {
    idx = columnIndexes(head.fields, `line ${head.line}`);
    first = 1;
  }
  const rows: Row[] = [];
  for (let r = first; r < records.length; r++) {
    const rec = records[r]!;
    const where = `line ${rec.line}`;
    if (rec.fields.length !== width) throw badPayload(`${where}: expected ${width} fields, got ${rec.fields.length}`);
    rows.push(
      rowFrom(
        rec.fields.map((f, i) => (i === idx[0] ? f : f.trim())),
        idx,
        where,
        o,
      ),
    );
  }
  return rows;
}
