// Tokenizer for neo's HCL-like config language. Every token carries the 1-based
// line:col where it starts. Problems (a stray character, an unterminated string, a
// bad escape) are collected, not thrown, so the parser can go on and the user sees
// every mistake in one run.

export interface Pos {
  line: number;
  col: number;
}

export interface Problem {
  pos: Pos;
  message: string;
}

type TokenKind =
  | "ident" // Http, EnableTokenAuth, true, false, Tls.Enabled (dotted)
  | "string" // value is the decoded text
  | "number"
  | "lbrace"
  | "rbrace"
  | "lbracket"
  | "rbracket"
  | "equals"
  | "comma"
  | "newline"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** decoded string, identifier text, or the number's source text */
  text: string;
  pos: Pos;
}

const PUNCT: Record<string, TokenKind> = {
  "{": "lbrace",
  "}": "rbrace",
  "[": "lbracket",
  "]": "rbracket",
  "=": "equals",
  ",": "comma",
};

// any letter starts a word so "Ünicode" is one (invalid) key, not a stray "Ü" and a key "nicode"
const isIdentStart = (c: string) => /[\p{L}_]/u.test(c);
const isIdentPart = (c: string) => /[\p{L}\p{N}_.-]/u.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "/": "/" };

export function tokenize(src: string): { tokens: Token[]; problems: Problem[] } {
  const tokens: Token[] = [];
  const problems: Problem[] = [];
  let i = 0;
  let line = 1;
  let col = 1;

  const peek = (k = 0) => src[i + k] ?? "";
  const advance = () => {
    const c = src[i++] ?? "";
    if (c === "\n") {
      line++;
      col = 1;
    } else col++;
    return c;
  };
  const here = (): Pos => ({ line, col });
  const push = (kind: TokenKind, text: string, pos: Pos) => {
    // collapse runs of newlines: the parser only cares that one separates items
    if (kind === "newline" && tokens.at(-1)?.kind === "newline") return;
    tokens.push({ kind, text, pos });
  };

  while (i < src.length) {
    const c = peek();
    const pos = here();
    if (c === "\n") {
      advance();
      push("newline", "\n", pos);
    } else if (c === " " || c === "\t" || c === "\r" || c === "\uFEFF") {
      advance();
    } else if (c === "#" || (c === "/" && peek(1) === "/")) {
      while (i < src.length && peek() !== "\n") advance();
    } else if (c === "/" && peek(1) === "*") {
      advance();
      advance();
      let sawNewline = false;
      let closed = false;
      while (i < src.length) {
        if (peek() === "*" && peek(1) === "/") {
          advance();
          advance();
          closed = true;
          break;
        }
        if (advance() === "\n") sawNewline = true;
      }
      if (!closed) problems.push({ pos, message: "unterminated /* comment" });
      if (sawNewline) push("newline", "\n", pos);
    } else if (c in PUNCT) {
      advance();
      push(PUNCT[c] as TokenKind, c, pos);
    } else if (c === '"') {
      push("string", readString(pos), pos);
    } else if (isDigit(c) || ((c === "-" || c === "+") && isDigit(peek(1)))) {
      let text = advance();
      while (i < src.length && /[0-9A-Za-z_.+-]/.test(peek())) {
        // stop before a sign that is not an exponent sign
        if ((peek() === "-" || peek() === "+") && !/[eE]/.test(text.at(-1) ?? "")) break;
        text += advance();
      }
      push("number", text, pos);
    } else if (isIdentStart(c)) {
      let text = "";
      while (i < src.length && isIdentPart(peek())) text += advance();
      push("ident", text, pos);
    } else {
      advance();
      problems.push({ pos, message: `unexpected character ${JSON.stringify(c)}` });
    }
  }
  push("eof", "", here());
  return { tokens, problems };

  function readString(start: Pos): string {
    advance(); // opening quote
    let out = "";
    for (;;) {
      if (i >= src.length || peek() === "\n") {
        problems.push({ pos: start, message: 'unterminated string (missing closing ")' });
        return out;
      }
      const c = advance();
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const escPos: Pos = { line, col: col - 1 };
      const e = advance();
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
      } else if (e === "u") {
        const hex = src.slice(i, i + 4);
        if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
          for (let k = 0; k < 4; k++) advance();
          out += String.fromCharCode(parseInt(hex, 16));
        } else {
          problems.push({ pos: escPos, message: "invalid \\u escape: expected 4 hex digits" });
        }
      } else {
        if (e === "\n" || e === "") {
          problems.push({ pos: start, message: 'unterminated string (missing closing ")' });
          return out;
        }
        problems.push({ pos: escPos, message: `invalid escape "\\${e}" in string` });
      }
    }
  }
}
