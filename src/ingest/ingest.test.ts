import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { NeoError } from "../lib/errors.ts";
import { formatTime, parsePayload, parseTime } from "./index.ts";

const T = 1675851592000000001n;

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NeoError);
    expect((e as NeoError).code).toBe("bad_payload");
    expect((e as NeoError).status).toBe(400);
    return (e as NeoError).message;
  }
  throw new Error("expected bad_payload");
}

describe("JSON payloads", () => {
  test("a single array row keeps a 19-digit nanosecond time exact", () => {
    expect(parsePayload('[ "wave.pi", 1675851592000000001, 3.1415]', { format: "json" })).toEqual([
      { name: "wave.pi", time: T, value: 3.1415 },
    ]);
  });

  test("an array of rows and null values", () => {
    const rows = parsePayload('[["a",1675851592000000001,1],["b",1675851592000000002,null]]', { format: "json" });
    expect(rows).toEqual([
      { name: "a", time: T, value: 1 },
      { name: "b", time: T + 1n, value: null },
    ]);
  });

  test("a data object with columns in any case and order", () => {
    const body = JSON.stringify({ data: { columns: ["value", "Name", "TIME"], rows: [] } }).replace(
      "[]",
      '[[1.5,"x",1675851592000000001]]',
    );
    expect(parsePayload(body, { format: "json" })).toEqual([{ name: "x", time: T, value: 1.5 }]);
  });

  test("accepts bytes as well as strings, and an empty array as no rows", () => {
    expect(parsePayload(new TextEncoder().encode('["a",1,2]'), { format: "json" })).toEqual([
      { name: "a", time: 1n, value: 2 },
    ]);
    expect(parsePayload("[]", { format: "json" })).toEqual([]);
  });

  test("gzip-compressed JSON", () => {
    const gz = gzipSync(Buffer.from('[["a",1675851592000000001,7]]'));
    expect(parsePayload(gz, { format: "json", compress: "gzip" })).toEqual([{ name: "a", time: T, value: 7 }]);
  });

  test("refuses malformed payloads with a clear reason", () => {
    expect(reason(() => parsePayload("[1,2", { format: "json" }))).toContain("not valid JSON");
    expect(reason(() => parsePayload('"x"', { format: "json" }))).toContain("expected");
    expect(reason(() => parsePayload('["a",1]', { format: "json" }))).toContain("3 fields");
    expect(reason(() => parsePayload("[1,1,1]", { format: "json" }))).toContain("NAME");
    expect(reason(() => parsePayload('["a",null,1]', { format: "json" }))).toContain("TIME");
    expect(reason(() => parsePayload('["a","soon",1]', { format: "json" }))).toContain("not a number");
    expect(reason(() => parsePayload('["a",1,"x"]', { format: "json" }))).toContain("VALUE");
    expect(reason(() => parsePayload('["a",1,true]', { format: "json" }))).toContain("VALUE");
    expect(reason(() => parsePayload('{"data":{"columns":["NAME","TIME"],"rows":[]}}', { format: "json" }))).toContain(
      "missing column VALUE",
    );
    expect(
      reason(() => parsePayload('{"data":{"columns":["NAME","TIME","VALUE","X"],"rows":[]}}', { format: "json" })),
    ).toContain('unknown column "X"');
    expect(
      reason(() => parsePayload('{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["a",1]]}}', { format: "json" })),
    ).toContain("row 1");
    expect(reason(() => parsePayload("{}", { format: "json" }))).toContain("data");
    expect(reason(() => parsePayload(new Uint8Array([0xff, 0xfe]), { format: "json" }))).toContain("UTF-8");
    expect(reason(() => parsePayload(new Uint8Array([1, 2, 3]), { format: "json", compress: "gzip" }))).toContain(
      "gzip",
    );
  });

  test("refuses a gzip payload that expands beyond the limit", () => {
    const gz = gzipSync(Buffer.alloc(1 << 20, 32));
    expect(reason(() => parsePayload(gz, { format: "json", compress: "gzip", maxBytes: 1000 }))).toContain("exceeds");
  });
});

describe("NDJSON payloads", () => {
  test("objects with keys in any case, arrays, and blank lines", () => {
    const text =
      '{"NAME":"a","TIME":1675851592000000001,"VALUE":1}\n\n{"name":"b","time":2,"value":null}\r\n["c",3,4]\n';
    expect(parsePayload(text, { format: "ndjson" })).toEqual([
      { name: "a", time: T, value: 1 },
      { name: "b", time: 2n, value: null },
      { name: "c", time: 3n, value: 4 },
    ]);
  });

  test("names the line of a bad record", () => {
    expect(reason(() => parsePayload('{"NAME":"a","TIME":1,"VALUE":1}\n{"NAME":"a"', { format: "ndjson" }))).toContain(
      "line 2",
    );
    expect(reason(() => parsePayload('{"NAME":"a","VALUE":1}', { format: "ndjson" }))).toContain("TIME");
    expect(reason(() => parsePayload('{"NAME":"a","TIME":1,"X":1}', { format: "ndjson" }))).toContain("unknown field");
  });
});

describe("CSV payloads", () => {
  test("plain lines, quoted fields and CRLF", () => {
    const text = 'a,1675851592000000001,1.5\r\n"b,""c""",2,\n"multi\nline",3,NULL\n';
    expect(parsePayload(text, { format: "csv" })).toEqual([
      { name: "a", time: T, value: 1.5 },
      { name: 'b,"c"', time: 2n, value: null },
      { name: "multi\nline", time: 3n, value: null },
    ]);
  });

  test("header=skip drops the first line and header=columns maps columns", () => {
    expect(parsePayload("whatever\na,1,2", { format: "csv", header: "skip" })).toEqual([
      { name: "a", time: 1n, value: 2 },
    ]);
    expect(parsePayload("time,value,name\n1,2,a", { format: "csv", header: "columns" })).toEqual([
      { name: "a", time: 1n, value: 2 },
    ]);
    expect(parsePayload("NAME,TIME,VALUE\na,1,2", { format: "csv" })).toEqual([{ name: "a", time: 1n, value: 2 }]);
  });

  test("names the line of a bad record", () => {
    expect(reason(() => parsePayload("a,1,2\nb,2", { format: "csv" }))).toContain("line 2");
    expect(reason(() => parsePayload("a,1,abc", { format: "csv" }))).toContain("VALUE");
    expect(reason(() => parsePayload('"a,1,2', { format: "csv" }))).toContain("unterminated");
    expect(reason(() => parsePayload("time,value\n1,2", { format: "csv", header: "columns" }))).toContain(
      "missing column NAME",
    );
  });
});

describe("time formats", () => {
  test("unit formats scale exactly, including fractions", () => {
    expect(parseTime("1675851592", "s")).toBe(1675851592000000000n);
    expect(parseTime("1675851592.000000001", "s")).toBe(T);
    expect(parseTime("1675851592000", "ms")).toBe(1675851592000000000n);
    expect(parseTime("1675851592000000", "us")).toBe(1675851592000000000n);
    expect(parseTime("1.675851592e18", "ns")).toBe(1675851592000000000n);
    expect(parsePayload('["a",1675851592.000000001,1]', { format: "json", timeformat: "s" })[0]!.time).toBe(T);
    expect(parsePayload('["a",1675851592123,1]', { format: "json", timeformat: "ms" })[0]!.time).toBe(
      1675851592123000000n,
    );
  });

  test("RFC3339 and RFC3339NANO keep nine fractional digits and honour offsets", () => {
    expect(parseTime("2023-02-08T10:19:52.000000001Z", "RFC3339NANO")).toBe(T);
    expect(parseTime("2023-02-08T10:19:52.000000001Z", "RFC3339")).toBe(T);
    expect(parseTime("2023-02-08T19:19:52+09:00", "RFC3339")).toBe(1675851592000000000n);
    expect(parsePayload('["a","2023-02-08T10:19:52Z",1]', { format: "json", timeformat: "rfc3339" })[0]!.time).toBe(
      1675851592000000000n,
    );
    expect(() => parseTime("2023-02-30T00:00:00Z", "RFC3339")).toThrow();
    expect(() => parseTime("yesterday", "RFC3339")).toThrow(NeoError);
  });

  test("Go layouts and a time zone for wall times", () => {
    expect(parseTime("2023-02-08 10:19:52.123", "DEFAULT")).toBe(1675851592123000000n);
    expect(parseTime("2023-02-08 19:19:52", "2006-01-02 15:04:05", "Asia/Seoul")).toBe(1675851592000000000n);
    expect(parseTime("08/02/2023 10:19", "02/01/2006 15:04")).toBe(1675851540000000000n);
  });

  test("formatTime renders each format", () => {
    expect(formatTime(T, "ns")).toBe(T);
    expect(formatTime(T, "us")).toBe(1675851592000000);
    expect(formatTime(T, "ms")).toBe(1675851592000);
    expect(formatTime(T, "s")).toBe(1675851592);
    expect(formatTime(T, "RFC3339")).toBe("2023-02-08T10:19:52Z");
    expect(formatTime(T, "RFC3339NANO")).toBe("2023-02-08T10:19:52.000000001Z");
    expect(formatTime(1675851592120000000n, "RFC3339NANO")).toBe("2023-02-08T10:19:52.12Z");
    expect(formatTime(T, "DEFAULT")).toBe("2023-02-08 10:19:52");
    expect(formatTime(1675851592000000000n, "RFC3339", "Asia/Seoul")).toBe("2023-02-08T19:19:52+09:00");
    expect(formatTime(-1n, "RFC3339NANO")).toBe("1969-12-31T23:59:59.999999999Z");
    expect(formatTime(-1n, "s")).toBe(-1);
  });

  test("round-trips random nanosecond times through RFC3339NANO", () => {
    for (let i = 0; i < 200; i++) {
      const ns = BigInt(Math.floor(Math.random() * 4e9)) * 1_000_000_000n + BigInt(Math.floor(Math.random() * 1e9));
      expect(parseTime(formatTime(ns, "RFC3339NANO") as string, "RFC3339NANO")).toBe(ns);
    }
  });

  test("refuses an unknown time zone", () => {
    expect(() => parseTime("2023-02-08 10:19:52", "DATETIME", "Mars/Base")).toThrow("unknown time zone");
  });
});
