// format=box: a text table like machbase-neo's (go-pretty's styles): one space of padding,
// ROWNUM right-aligned, everything else left, NULL for null, a datetime column's header
// naming its zone when times are not epoch numbers. Widths need every row, so the table
// is drawn at the end (the byte cap bounds what is held). No rows: no table.
import type { Encoder } from "./encoder.ts";
import type { BoxStyle, OutputOptions } from "./options.ts";
import { textCell } from "./values.ts";

/** h, v, then corners/junctions: top-left, top-mid, top-right, mid-left, cross, mid-right, bottom-left, bottom-mid, bottom-right */
const STYLES: Record<BoxStyle, string> = {
  default: "-|+++++++++",
  light: "─│┌┬┐├┼┤└┴┘",
  round: "─│╭┬╮├┼┤╰┴╯",
  double: "═║╔╦╗╠╬╣╚╩╝",
  bold: "━┃┏┳┓┣╋┫┗┻┛",
};

const EPOCH = new Set(["ns", "us", "ms", "s"]);
const width = (s: string) => [...s].length;

export function createBoxEncoder(o: OutputOptions, timeformat: string, tz: string | undefined): Encoder {
  const [h, v, tl, tm, tr, ml, mm, mr, bl, bm, br] = [...STYLES[o.boxStyle]] as string[];
  let types: string[] = [];
  let header: string[] = [];
  const rows: string[][] = [];
  let n = 0;

  function rule(widths: number[], left: string, mid: string, right: string): string {
    const join = o.boxSeparateColumns ? (mid as string) : (h as string);
    const body = widths.map((w) => (h as string).repeat(w + 2)).join(join);
    return o.boxDrawBorder ? `${left}${body}${right}\n` : `${body}\n`;
  }
  function line(cells: string[], widths: number[]): string {
    const padded = cells.map((c, i) => {
      const pad = " ".repeat((widths[i] ?? 0) - width(c));
      return o.rownum && i === 0 ? ` ${pad}${c} ` : ` ${c}${pad} `;
    });
    const body = padded.join(o.boxSeparateColumns ? (v as string) : "");
    return o.boxDrawBorder ? `${v}${body}${v}\n` : `${body}\n`;
  }

  return {
    contentType: "text/plain",
    head(columns, t) {
      types = t;
      const zone = EPOCH.has(timeformat.toLowerCase()) ? undefined : tz || "UTC";
      const names = columns.map((c, i) => (zone && t[i] === "datetime" ? `${c}(${zone})` : c));
      header = o.rownum ? ["ROWNUM", ...names] : names;
      return "";
    },
    encode(cells) {
      const texts = cells.map((c, i) => textCell(c, types[i], o.precision).replaceAll("\u0000", "\\0"));
      if (o.rownum) texts.unshift(String(n + 1));
      return texts.join("\u0000");
    },
    push(text) {
      n++;
      rows.push(text.split("\u0000"));
      return "";
    },
    end(info) {
      const note = info.cut ? `${info.reason}\n` : "";
      if (rows.length === 0) return note;
      const widths = header.map((c) => width(c));
      for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(c))));
      let out = o.boxDrawBorder ? rule(widths, tl as string, tm as string, tr as string) : "";
      if (o.heading) out += line(header, widths) + rule(widths, ml as string, mm as string, mr as string);
      for (const r of rows) out += line(r, widths);
      if (o.boxDrawBorder) out += rule(widths, bl as string, bm as string, br as string);
      return out + note;
    },
  };
}
