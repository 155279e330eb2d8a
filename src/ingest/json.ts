// JSON payloads: ["name", time, value], [[...], ...], or
// {"data": {"columns": ["NAME","TIME","VALUE"], "rows": [[...]]}} (columns any case/order).
import { badPayload, columnIndexes, RawNumber, rowFrom, type ParseOptions, type Row } from "./row.ts";

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

// JSON.parse rounds integers above 2^53; the reviver's source text keeps every digit.
const keepDigits: Reviver = (_k, v, ctx) => {
  // (a long literal like 1675851592.000000001 may round to a safe integer, hence the length test)
  if (
    typeof v === "number" &&
    (!Number.isSafeInteger(v) || (ctx?.source?.length ?? 0) > 15) &&
    ctx?.source !== undefined
  ) {
    return new RawNumber(ctx.source);
  }
  return v;
};

/** JSON.parse that turns unsafe integers and fractions into RawNumber; throws bad_payload. */
export function parseJsonExact(text: string, where = "payload"): unknown {
  try {
    return JSON.parse(text, keepDigits as Parameters<typeof JSON.parse>[1]);
  } catch (e) {
    throw badPayload(`${where} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const DEFAULT_IDX: [number, number, number] = [0, 1, 2];

function arrayRow(cells: unknown, where: string, o: ParseOptions): Row {
  if (!Array.isArray(cells)) throw badPayload(`${where}: expected ["name", time, value]`);
  if (cells.length !== 3) throw badPayload(`${where}: expected 3 fields ["name", time, value], got ${cells.length}`);
  return rowFrom(cells, DEFAULT_IDX, where, o);
}

/** Rows from an already parsed JSON document (exact numbers as RawNumber). */
export function rowsFromJson(doc: unknown, o: ParseOptions, where = "payload"): Row[] {
  if (Array.isArray(doc)) {
    if (doc.length === 0) return [];
    if (!Array.isArray(doc[0])) return [arrayRow(doc, where, o)];
    return doc.map((r, i) => arrayRow(r, `${where} row ${i + 1}`, o));
  }
  if (typeof doc === "object" && doc !== null && !(doc instanceof RawNumber)) {
    const data = (doc as Record<string, unknown>).data;
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw badPayload(`${where}: expected {"data":{"columns":[...],"rows":[[...]]}}`);
    }
    const { columns, rows } = data as Record<string, unknown>;
    const idx = columnIndexes(columns, where);
    if (!Array.isArray(rows)) throw badPayload(`${where}: "rows" must be an array of arrays`);
    const n = (columns as unknown[]).length;
    return rows.map((r, i) => {
      const w = `${where} row ${i + 1}`;
      if (!Array.isArray(r)) throw badPayload(`${w}: expected an array`);
      if (r.length !== n) throw badPayload(`${w}: expected ${n} fields, got ${r.length}`);
      return rowFrom(r, idx, w, o);
    });
  }
  throw badPayload(`${where}: expected an array of ["name", time, value] or {"data":{...}}`);
}

export function parseJsonRows(text: string, o: ParseOptions): Row[] {
  return rowsFromJson(parseJsonExact(text), o);
}
