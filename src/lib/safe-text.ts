// Text that reaches an operator's terminal (CLI tables, plain log lines) must not steer
// it: C0 and C1 control characters, DEL and the bidirectional overrides become visible
// escapes (`\x1b`, `\n`, `\u202e`), so a client id like "ESC]0;...BEL" or one with a
// newline cannot retitle the terminal, clear it, hide text or forge a line. JSON output
// needs none of this (JSON.stringify escapes controls itself) and stays exact.
// eslint-style ranges: U+0000-U+001F, U+007F-U+009F, U+202A-U+202E, U+2066-U+2069
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `s` with every control character written as a visible escape (one line, always) */
export function safeText(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** like safeText, but newlines stay (a stack trace); every following line is indented */
export function safeLines(s: string): string {
  return s.replace(UNSAFE_BUT_NEWLINE, escapeOne).replace(/\n(?! {2})/g, "\n  ");
}

/** does `s` hold a C0/C1 control character or DEL? */
export function hasControl(s: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return /[\u0000-\u001f\u007f-\u009f]/.test(s);
}
