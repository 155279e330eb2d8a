// What one queue entry of an export holds: the rows of one write to one table, as JSON
// (times as exact decimal text). A channel's SenML records carry every field. The entry's
// queue number and a row's place in it make the row's `seq` in PostgreSQL, so sending an
// entry again (after an outage or a kill -9) inserts nothing twice.

/** a tag table row: name, time (ns), value */
export interface ExportRow {
  name: string;
  time: bigint;
  value: number | null;
}

/** a SenML record in full (the side table's fields) */
export interface ExportRecord extends ExportRow {
  unit: string | null;
  stringValue: string | null;
  boolValue: boolean | null;
  dataValue: string | null;
  sum: number | null;
  channel?: string | null;
  publisher?: string | null;
  subtopic?: string | null;
  protocol?: string | null;
}

/** rows of one entry at most, so that queue number × 2^20 + index is unique */
export const ENTRY_ROWS = 50_000;
export const SEQ_SPAN = 2 ** 20;

type Cell = string | number | boolean | null;

/** the rows of one write, as entry payloads of at most ENTRY_ROWS rows each */
export function encodeEntries(rows: readonly ExportRow[] | readonly ExportRecord[], senml: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < rows.length; i += ENTRY_ROWS) {
    const part = rows.slice(i, i + ENTRY_ROWS).map((r): Cell[] => {
      const base: Cell[] = [r.name, r.time.toString(), r.value];
      if (!senml) return base;
      const s = r as ExportRecord;
      return [
        ...base,
        s.unit,
        s.stringValue,
        s.boolValue,
        s.dataValue,
        s.sum,
        s.channel ?? null,
        s.publisher ?? null,
        s.subtopic ?? null,
        s.protocol ?? null,
      ];
    });
    out.push(Buffer.from(JSON.stringify({ s: senml ? 1 : 0, r: part })));
  }
  return out;
}

/** one entry's rows as columns, ready for one INSERT ... SELECT FROM unnest(...) */
export interface Columns {
  name: string[];
  time: string[];
  seq: string[];
  value: (number | null)[];
  unit: (string | null)[];
  stringValue: (string | null)[];
  boolValue: (boolean | null)[];
  dataValue: (string | null)[];
  sum: (number | null)[];
  channel: (string | null)[];
  publisher: (string | null)[];
  subtopic: (string | null)[];
  protocol: (string | null)[];
}

export const emptyColumns = (): Columns => ({
  name: [],
  time: [],
  seq: [],
  value: [],
  unit: [],
  stringValue: [],
  boolValue: [],
  dataValue: [],
  sum: [],
  channel: [],
  publisher: [],
  subtopic: [],
  protocol: [],
});

const str = (v: Cell | undefined) => (typeof v === "string" ? v : null);
const num = (v: Cell | undefined) => (typeof v === "number" ? v : null);

/** add the rows of entry `queueSeq` to `into`; returns how many */
export function decodeEntry(payload: Buffer, queueSeq: number, into: Columns): number {
  const doc = JSON.parse(payload.toString("utf8")) as { s: number; r: Cell[][] };
  const base = BigInt(queueSeq) * BigInt(SEQ_SPAN);
  doc.r.forEach((r, i) => {
    into.name.push(String(r[0]));
    into.time.push(String(r[1]));
    into.seq.push((base + BigInt(i)).toString());
    into.value.push(num(r[2]));
    into.unit.push(str(r[3]));
    into.stringValue.push(str(r[4]));
    into.boolValue.push(typeof r[5] === "boolean" ? r[5] : null);
    into.dataValue.push(str(r[6]));
    into.sum.push(num(r[7]));
    into.channel.push(str(r[8]));
    into.publisher.push(str(r[9]));
    into.subtopic.push(str(r[10]));
    into.protocol.push(str(r[11]));
  });
  return doc.r.length;
}
