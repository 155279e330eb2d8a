// What every output format implements. The query loop (execute.ts) calls head() once it
// knows the column types, then for each row encode() (the row's own text, which the byte
// cap counts) and push() (what to send now: the text with its separator, or "" when the
// format needs every row before it can write: box, transposed JSON), then end().

export interface EndInfo {
  /** "success" or why the answer was cut */
  reason: string;
  cut?: "rows" | "bytes";
  rows: number;
  elapse: string;
}

export interface Encoder {
  readonly contentType: string;
  head(columns: string[], types: string[]): string;
  encode(cells: unknown[]): string;
  push(text: string): string;
  end(info: EndInfo): string;
}
