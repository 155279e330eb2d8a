// NDJSON payloads: one {"NAME":..,"TIME":..,"VALUE":..} object (keys any case) or one
// ["name", time, value] array per line; blank lines are ignored.
import { parseJsonExact, rowsFromJson } from "./json.ts";
import { badPayload, RawNumber, rowFrom, type ParseOptions, type Row } from "./row.ts";

export function parseNdjsonRows(text: string, o: ParseOptions): Row[] {
  const out: Row[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const where = `line ${i + 1}`;
    const doc = parseJsonExact(line, where);
    if (Array.isArray(doc)) {
      if (doc.length > 0 && Array.isArray(doc[0])) throw badPayload(`${where}: expected one row per line`);
      out.push(...rowsFromJson(doc, o, where));
    } else if (typeof doc === "object" && doc !== null && !(doc instanceof RawNumber)) {
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(doc)) fields[k.toUpperCase()] = v;
      for (const k of Object.keys(fields)) {
        if (k !== "NAME" && k !== "TIME" && k !== "VALUE") throw badPayload(`${where}: unknown field "${k}"`);
      }
      if (!("NAME" in fields) || !("TIME" in fields)) throw badPayload(`${where}: NAME and TIME are required`);
      out.push(rowFrom([fields.NAME, fields.TIME, fields.VALUE ?? null], [0, 1, 2], where, o));
    } else {
      throw badPayload(`${where}: expected a JSON object or array`);
    }
  }
  return out;
}
