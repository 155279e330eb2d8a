// Parser for neo's HCL-like config: a body is a sequence of entries, each either
//   Key = value          (value: string, number, true/false, [list], { block })
//   Key { ...entries }   (same as Key = { ... })
//   Key "label" { ... }  (a labelled block: `Bridge "cloud" { ... }`; a key may have several)
// Keys may be dotted (`Tls.Enabled = true` is `Tls { Enabled = true }`). Entries are
// separated by newlines or commas. On a syntax error the parser records it, skips to
// the end of the line and carries on, so one run reports every problem it can.
import { tokenize, type Pos, type Problem, type Token } from "./lexer.ts";

export type { Pos, Problem } from "./lexer.ts";

export type Value =
  | { kind: "string"; value: string; pos: Pos }
  | { kind: "number"; value: number; text: string; pos: Pos }
  | { kind: "bool"; value: boolean; pos: Pos }
  | { kind: "list"; items: Value[]; pos: Pos }
  | { kind: "block"; entries: Entry[]; pos: Pos };

export interface KeySegment {
  name: string;
  pos: Pos;
}

export interface Entry {
  /** `Tls.Enabled` gives two segments */
  key: KeySegment[];
  value: Value;
  /** `Bridge "cloud" { ... }`: the label and where it was written */
  label?: { name: string; pos: Pos };
}

export interface ParseResult {
  entries: Entry[];
  problems: Problem[];
}

const NUMBER_RE = /^[+-]?\d+(_\d+)*(\.\d+(_\d+)*)?([eE][+-]?\d+)?$/;

function describeToken(t: Token): string {
  switch (t.kind) {
    case "ident":
      return `"${t.text}"`;
    case "string":
      return `string ${JSON.stringify(t.text)}`;
    case "number":
      return `number ${t.text}`;
    case "newline":
      return "end of line";
    case "eof":
      return "end of file";
    default:
      return `"${t.text}"`;
  }
}

export function parse(src: string): ParseResult {
  const { tokens, problems } = tokenize(src);
  let p = 0;
  const cur = (): Token => tokens[p] ?? (tokens[tokens.length - 1] as Token);
  const next = (): Token => {
    const t = cur();
    if (p < tokens.length - 1) p++;
    return t;
  };
  const error = (pos: Pos, message: string) => problems.push({ pos, message });

  /** Skip the rest of a broken entry: up to a newline or a `}` that closes the enclosing block. */
  const recover = () => {
    let depth = 0;
    for (;;) {
      const t = cur();
      if (t.kind === "eof") return;
      if (depth === 0 && (t.kind === "newline" || t.kind === "rbrace" || t.kind === "comma")) return;
      if (t.kind === "lbrace" || t.kind === "lbracket") depth++;
      if ((t.kind === "rbrace" || t.kind === "rbracket") && depth > 0) depth--;
      next();
    }
  };

  const parseKey = (t: Token): KeySegment[] | undefined => {
    const parts = t.text.split(".");
    if (parts.some((s) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s))) {
      error(t.pos, `invalid key "${t.text}"`);
      return undefined;
    }
    let col = t.pos.col;
    return parts.map((name) => {
      const seg = { name, pos: { line: t.pos.line, col } };
      col += name.length + 1;
      return seg;
    });
  };

  const parseBody = (open: Token | undefined): Entry[] => {
    const entries: Entry[] = [];
    for (;;) {
      const t = cur();
      if (t.kind === "newline" || t.kind === "comma") {
        next();
        continue;
      }
      if (t.kind === "rbrace") {
        if (open) {
          next();
          return entries;
        }
        error(t.pos, `unexpected "}" with no block open`);
        next();
        continue;
      }
      if (t.kind === "eof") {
        if (open) error(open.pos, `missing "}" to close the block opened here`);
        return entries;
      }
      if (t.kind !== "ident") {
        error(t.pos, `expected a key, got ${describeToken(t)}`);
        next();
        recover();
        continue;
      }
      const entry = parseEntry();
      if (entry) entries.push(entry);
    }
  };

  const parseEntry = (): Entry | undefined => {
    const keyTok = next();
    const key = parseKey(keyTok);
    let t = cur();
    let label: Entry["label"];
    if (t.kind === "string") {
      next();
      label = { name: t.text, pos: t.pos };
      t = cur();
      if (t.kind !== "lbrace") {
        error(t.pos, `expected "{" after the label of "${keyTok.text}" "${label.name}", got ${describeToken(t)}`);
        recover();
        return undefined;
      }
    }
    let value: Value | undefined;
    if (t.kind === "equals") {
      next();
      value = parseValue();
    } else if (t.kind === "lbrace") {
      next();
      value = { kind: "block", entries: parseBody(t), pos: t.pos };
    } else {
      error(t.pos, `expected "=" or "{" after "${keyTok.text}", got ${describeToken(t)}`);
      recover();
      return undefined;
    }
    if (!value) {
      recover();
      return undefined;
    }
    if (!key) return undefined;
    return label ? { key, value, label } : { key, value };
  };

  const parseValue = (): Value | undefined => {
    const t = cur();
    switch (t.kind) {
      case "string":
        next();
        return { kind: "string", value: t.text, pos: t.pos };
      case "number": {
        next();
        if (!NUMBER_RE.test(t.text)) {
          const hint = /[A-Za-z]|\..*\./.test(t.text) ? " (strings need double quotes)" : "";
          error(t.pos, `invalid number "${t.text}"${hint}`);
          return undefined;
        }
        return { kind: "number", value: Number(t.text.replaceAll("_", "")), text: t.text, pos: t.pos };
      }
      case "ident":
        next();
        if (t.text === "true" || t.text === "false") return { kind: "bool", value: t.text === "true", pos: t.pos };
        error(t.pos, `expected a value, got ${describeToken(t)} (strings need double quotes)`);
        return undefined;
      case "lbracket":
        next();
        return parseList(t);
      case "lbrace":
        next();
        return { kind: "block", entries: parseBody(t), pos: t.pos };
      default:
        error(t.pos, `expected a value, got ${describeToken(t)}`);
        return undefined;
    }
  };

  /** After a broken list item: skip to the "]" that closes the list (or a line end at depth 0 if none). */
  const skipList = () => {
    let depth = 0;
    for (;;) {
      const t = cur();
      if (t.kind === "eof") return;
      if (depth === 0 && t.kind === "rbracket") {
        next();
        return;
      }
      if (depth === 0 && t.kind === "rbrace") return;
      if (t.kind === "lbracket" || t.kind === "lbrace") depth++;
      if ((t.kind === "rbracket" || t.kind === "rbrace") && depth > 0) depth--;
      next();
    }
  };

  const parseList = (open: Token): Value | undefined => {
    const items: Value[] = [];
    for (;;) {
      while (cur().kind === "newline") next();
      const t = cur();
      if (t.kind === "rbracket") {
        next();
        return { kind: "list", items, pos: open.pos };
      }
      if (t.kind === "eof") {
        error(open.pos, `missing "]" to close the list opened here`);
        return undefined;
      }
      const item = parseValue();
      if (!item) {
        skipList();
        return undefined;
      }
      items.push(item);
      while (cur().kind === "newline") next();
      const sep = cur();
      if (sep.kind === "comma") next();
      else if (sep.kind === "eof") {
        error(open.pos, `missing "]" to close the list opened here`);
        return undefined;
      } else if (sep.kind !== "rbracket") {
        error(sep.pos, `expected "," or "]" in list, got ${describeToken(sep)}`);
        skipList();
        return undefined;
      }
    }
  };

  const entries = parseBody(undefined);
  problems.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  // one syntax error per line: what follows the first is usually its echo; but an
  // unterminated string or comment is the cause of whatever else that line reports
  const perLine = new Map<number, (typeof problems)[number]>();
  for (const p of problems) {
    const kept = perLine.get(p.pos.line);
    if (!kept || (p.message.startsWith("unterminated") && !kept.message.startsWith("unterminated")))
      perLine.set(p.pos.line, p);
  }
  return { entries, problems: [...perLine.values()] };
}
