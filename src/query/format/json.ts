// format=json, machbase-neo's shape: {"data":{"columns","types","rows"},"success",
// "reason","elapse"}. rowsArray: each row an object; rowsFlatten: one flat array of
// cells; transpose: "cols", one array per column (rownum does not apply there).
import type { Encoder, EndInfo } from "./encoder.ts";
import type { OutputOptions } from "./options.ts";
import { jsonCell } from "./values.ts";

export function createJsonEncoder(o: OutputOptions): Encoder {
  const transposed = o.transpose && !o.rowsArray;
  const rownum = o.rownum && !transposed;
  let types: string[] = [];
  let keys: string[] = [];
  let n = 0;
  let cols: string[][] = [];
  return {
    contentType: "application/json",
    head(columns, t) {
      types = t;
      keys = columns.map((c) => JSON.stringify(c));
      const names = rownum ? ["ROWNUM", ...columns] : columns;
      const kinds = rownum ? ["int64", ...t] : t;
      cols = transposed ? columns.map(() => []) : [];
      return `{"data":{"columns":${JSON.stringify(names)},"types":${JSON.stringify(kinds)},"${transposed ? "cols" : "rows"}":[`;
    },
    encode(cells) {
      const parts = cells.map((v, i) => jsonCell(v, types[i], o.precision));
      if (transposed) return parts.join("\u0000");
      if (o.rowsArray) {
        const fields = parts.map((p, i) => `${keys[i]}:${p}`);
        if (rownum) fields.unshift(`"ROWNUM":${n + 1}`);
        return `{${fields.join(",")}}`;
      }
      if (rownum) parts.unshift(String(n + 1));
      return o.rowsFlatten ? parts.join(",") : `[${parts.join(",")}]`;
    },
    push(text) {
      n++;
      if (transposed) {
        text.split("\u0000").forEach((cell, i) => cols[i]?.push(cell));
        return "";
      }
      return n === 1 || text === "" ? text : `,${text}`;
    },
    end(info: EndInfo) {
      const body = transposed ? cols.map((c) => `[${c.join(",")}]`).join(",") : "";
      const cut = info.cut ? `,"truncated":true,"cut":"${info.cut}"` : "";
      return `${body}]},"success":true,"reason":${JSON.stringify(info.reason)}${cut},"elapse":${JSON.stringify(info.elapse)}}`;
    },
  };
}
