import { describe, expect, test } from "bun:test";
import { parse, type Entry, type Value } from "./parser.ts";

/** Plain JS view of a parse: { "Http.Tls": { Enabled: true } } style, keys joined by dots. */
function plain(entries: Entry[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) out[e.key.map((k) => k.name).join(".")] = val(e.value);
  return out;
}
function val(v: Value): unknown {
  switch (v.kind) {
    case "list":
      return v.items.map(val);
    case "block":
      return plain(v.entries);
    default:
      return v.value;
  }
}
const problems = (src: string) => parse(src).problems.map((p) => `${p.pos.line}:${p.pos.col}: ${p.message}`);

describe("parse forms", () => {
  test("a block and an attribute holding a block parse to the same thing", () => {
    const a = parse("Tls { Enabled = true }");
    const b = parse("Tls = { Enabled = true }");
    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
    expect(plain(a.entries)).toEqual({ Tls: { Enabled: true } });
    expect(plain(b.entries)).toEqual(plain(a.entries));
  });

  test("attributes are separated by newlines, or by commas on one line", () => {
    const r = parse(
      'Http {\n  Listen = "127.0.0.1:1"\n  EnableTokenAuth = true\n}\nMqtt { A = 1, B = "x", C = false }\n',
    );
    expect(r.problems).toEqual([]);
    expect(plain(r.entries)).toEqual({
      Http: { Listen: "127.0.0.1:1", EnableTokenAuth: true },
      Mqtt: { A: 1, B: "x", C: false },
    });
  });

  test("#, // and /* */ comments are ignored, including a comment spanning lines", () => {
    const src = "# top\nA = 1 // trailing\n/* a\n   block */ B = 2 # again\nC /* inline */ = 3\n";
    const r = parse(src);
    expect(r.problems).toEqual([]);
    expect(plain(r.entries)).toEqual({ A: 1, B: 2, C: 3 });
  });

  test("strings decode escapes and keep # and // inside them", () => {
    const r = parse(String.raw`S = "a\"b\\c\n\t\u00e9 # not // a comment"`);
    expect(r.problems).toEqual([]);
    expect(plain(r.entries)).toEqual({ S: 'a"b\\c\n\té # not // a comment' });
  });

  test("numbers: integers, negatives, floats, exponents and digit groups", () => {
    const r = parse("A = 42\nB = -7\nC = 1.5\nD = 1e3\nE = 1_048_576\nF = 0\n");
    expect(r.problems).toEqual([]);
    expect(plain(r.entries)).toEqual({ A: 42, B: -7, C: 1.5, D: 1000, E: 1048576, F: 0 });
  });

  test("lists may span lines, nest, and end with a trailing comma", () => {
    const r = parse('L = [\n  "a",\n  1, true,\n  [2, 3],\n]\nE = []');
    expect(r.problems).toEqual([]);
    expect(plain(r.entries)).toEqual({ L: ["a", 1, true, [2, 3]], E: [] });
  });

  test("dotted keys keep one segment per name with its own column", () => {
    const r = parse("  Mqtt.Tls.Enabled = true");
    expect(r.entries[0]?.key).toEqual([
      { name: "Mqtt", pos: { line: 1, col: 3 } },
      { name: "Tls", pos: { line: 1, col: 8 } },
      { name: "Enabled", pos: { line: 1, col: 12 } },
    ]);
  });

  test("every value carries the line:col where it starts", () => {
    const r = parse('Http {\n    Listen = "x"\n}');
    const http = r.entries[0];
    expect(http?.key[0]?.pos).toEqual({ line: 1, col: 1 });
    expect(http?.value.pos).toEqual({ line: 1, col: 6 });
    const listen = http?.value.kind === "block" ? http.value.entries[0] : undefined;
    expect(listen?.key[0]?.pos).toEqual({ line: 2, col: 5 });
    expect(listen?.value.pos).toEqual({ line: 2, col: 14 });
  });

  test("an empty file and a file of only comments parse to nothing", () => {
    expect(parse("")).toEqual({ entries: [], problems: [] });
    expect(parse("# nothing\n\n// here\n")).toEqual({ entries: [], problems: [] });
  });
});

describe("syntax errors", () => {
  test("an unterminated string is reported at its opening quote", () => {
    expect(problems('A = "abc\nB = 1')).toEqual(['1:5: unterminated string (missing closing ")']);
  });

  test("an invalid escape is reported at the backslash", () => {
    expect(problems(String.raw`A = "ab\qc"`)).toEqual(['1:8: invalid escape "\\q" in string']);
    expect(problems(String.raw`A = "\u12"`)).toEqual(["1:6: invalid \\u escape: expected 4 hex digits"]);
  });

  test("a stray character is reported and the rest still parses", () => {
    const r = parse("A = 1\n@\nB = 2");
    expect(r.problems.map((p) => `${p.pos.line}:${p.pos.col}: ${p.message}`)).toEqual([
      '2:1: unexpected character "@"',
    ]);
    expect(plain(r.entries)).toEqual({ A: 1, B: 2 });
  });

  test("a missing value, a bare word and a bad number are each reported", () => {
    expect(problems("A =\nB = yes\nC = 12abc\n")).toEqual([
      "1:4: expected a value, got end of line",
      '2:5: expected a value, got "yes" (strings need double quotes)',
      '3:5: invalid number "12abc" (strings need double quotes)',
    ]);
    expect(problems("N = 1_000_")).toEqual(['1:5: invalid number "1_000_"']);
  });

  test("an unquoted address gets one error with a quoting hint, not one per fragment", () => {
    expect(problems("Listen = 127.0.0.1:5654")).toEqual([
      '1:10: invalid number "127.0.0.1" (strings need double quotes)',
    ]);
  });

  test("a key with non-ASCII letters is reported once as an invalid key", () => {
    expect(problems("Ünicode = 1")).toEqual(['1:1: invalid key "Ünicode"']);
  });

  test("CRLF line endings and a byte-order mark are accepted", () => {
    const r = parse("\uFEFFHttp {\r\n  EnableTokenAuth = true\r\n}\r\n");
    expect(r.problems).toEqual([]);
    expect(plain(r.entries)).toEqual({ Http: { EnableTokenAuth: true } });
  });

  test("a key without = or { is reported at the token that follows it", () => {
    expect(problems("Http 5 {\n}\nMqtt\n")).toEqual([
      '1:6: expected "=" or "{" after "Http", got number 5',
      '3:5: expected "=" or "{" after "Mqtt", got end of line',
    ]);
  });

  test("a labelled block carries its label and where it was written", () => {
    const r = parse('Bridge "cloud" {\n  Address = "mqtt://h"\n}\nBridge "b" { Qos = 1 }');
    expect(r.problems).toEqual([]);
    expect(r.entries.map((e) => e.label)).toEqual([
      { name: "cloud", pos: { line: 1, col: 8 } },
      { name: "b", pos: { line: 4, col: 8 } },
    ]);
    expect(plain(r.entries.slice(0, 1))).toEqual({ Bridge: { Address: "mqtt://h" } });
  });

  test("an unclosed block is reported where it opens", () => {
    expect(problems("Http {\n  A = 1\n")).toEqual(['1:6: missing "}" to close the block opened here']);
  });

  test("an unclosed list and a missing comma in a list are reported", () => {
    expect(problems("L = [1, 2")).toEqual(['1:5: missing "]" to close the list opened here']);
    expect(problems("L = [1 2]\nB = 1")).toEqual(['1:8: expected "," or "]" in list, got number 2']);
  });

  test("a stray } is reported", () => {
    expect(problems("A = 1\n}\n")).toEqual(['2:1: unexpected "}" with no block open']);
  });

  test("a value where a key should be is reported", () => {
    expect(problems('"Http" = 1')).toEqual(['1:1: expected a key, got string "Http"']);
  });

  test("an unterminated block comment is reported where it starts", () => {
    expect(problems("A = 1\n  /* open")).toEqual(["2:3: unterminated /* comment"]);
  });

  test("several errors in one file are all reported, in order", () => {
    const r = parse('A = "x\nB = nope\nC { D = [1,, 2] }\nE = 1\n');
    expect(r.problems.map((p) => `${p.pos.line}:${p.pos.col}`)).toEqual(["1:5", "2:5", "3:12"]);
    expect(plain(r.entries)).toEqual({ A: "x", C: {}, E: 1 });
  });
});
