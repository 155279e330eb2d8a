import { describe, expect, test } from "bun:test";
import { protoRoot } from "./protos.ts";
import { anyToParam, cellToAny, datumToCell, timestampOf } from "./values.ts";

const unpack = (a: { type_url: string; value: Uint8Array }) => {
  const t = protoRoot.lookupType(a.type_url.replace("type.googleapis.com/", ""));
  return t.toObject(t.decode(a.value), { longs: String });
};

describe("machbase-neo's values on the wire", () => {
  test("cells become the Any wrappers machbase-neo sends: Timestamp for datetime, exact int64", () => {
    const t = cellToAny(1_700_000_000_123_456_789n, "datetime");
    expect(t.type_url).toBe("type.googleapis.com/google.protobuf.Timestamp");
    expect(unpack(t)).toEqual({ seconds: "1700000000", nanos: 123456789 });
    expect(unpack(cellToAny(9_007_199_254_740_993n, "int64"))).toEqual({ value: "9007199254740993" });
    expect(cellToAny(1.5, "double").type_url).toEndWith("DoubleValue");
    expect(cellToAny("x", "string").type_url).toEndWith("StringValue");
    expect(cellToAny(null, "double")).toEqual({ type_url: "", value: new Uint8Array(0) });
    expect(timestampOf(-1n)).toEqual({ seconds: "-1", nanos: 999_999_999 });
  });

  test("parameters and appended data come back as SQLite values; a Timestamp round-trips to the ns", () => {
    expect(anyToParam(cellToAny(1_700_000_000_123_456_789n, "datetime"))).toBe(1_700_000_000_123_456_789n);
    expect(anyToParam(cellToAny("a", "string"))).toBe("a");
    expect(anyToParam(null)).toBeNull();
    expect(() => anyToParam({ type_url: "type.googleapis.com/foo.Bar", value: new Uint8Array() })).toThrow(
      "unsupported",
    );
    expect(datumToCell({ v_time: "1700000000123456789" })).toBe(1_700_000_000_123_456_789n);
    expect(datumToCell({ v_double: 2.5 })).toBe(2.5);
    expect(datumToCell({ v_null: true })).toBeNull();
    // as protobufjs decodes them: int64 as Long objects, negative ones too
    const AppendDatum = protoRoot.lookupType("machrpc.AppendDatum");
    for (const t of ["1700000000123456789", "-5", "9223372036854775807"]) {
      const d = AppendDatum.decode(AppendDatum.encode(AppendDatum.fromObject({ v_time: t })).finish());
      expect(datumToCell(d as unknown as Record<string, unknown>)).toBe(BigInt(t));
    }
  });
});
