// Values on machbase-neo's wire: google.protobuf.Any around a wrapper (StringValue,
// DoubleValue, Int64Value, ...) or a Timestamp, as machbase-neo's pbconv.go packs them, and
// AppendDatum's oneof for streamed records. Encoding and decoding is protobufjs's (the
// well-known types from protos.ts); nothing here frames bytes by hand.
import type { QueryParam } from "../query/index.ts";
import { protoRoot } from "./protos.ts";

/** google.protobuf.Any as proto-loader hands it over and takes it back */
export interface AnyValue {
  type_url: string;
  value: Uint8Array;
}

const PREFIX = "type.googleapis.com/google.protobuf.";
const type = (name: string) => protoRoot.lookupType(`google.protobuf.${name}`);
const T = {
  StringValue: type("StringValue"),
  DoubleValue: type("DoubleValue"),
  FloatValue: type("FloatValue"),
  Int32Value: type("Int32Value"),
  UInt32Value: type("UInt32Value"),
  Int64Value: type("Int64Value"),
  UInt64Value: type("UInt64Value"),
  BoolValue: type("BoolValue"),
  BytesValue: type("BytesValue"),
  Timestamp: type("Timestamp"),
} as const;
type Wrapper = keyof typeof T;
const URL_OF = Object.fromEntries(Object.keys(T).map((k) => [k, PREFIX + k])) as Record<Wrapper, string>;
const EMPTY = new Uint8Array(0);
/** machbase-neo sends a SQL NULL as an empty Any (its client reads type_url "" as nil) */
const NULL_ANY: AnyValue = Object.freeze({ type_url: "", value: EMPTY }) as AnyValue;

const pack = (w: Wrapper, fields: object): AnyValue => ({
  type_url: URL_OF[w],
  value: T[w].encode(fields).finish(),
});

const NS = 1_000_000_000n;
/** ns since the epoch -> Timestamp (seconds and non-negative nanos, as protobuf defines it) */
export function timestampOf(ns: bigint): { seconds: string; nanos: number } {
  let s = ns / NS;
  let n = ns % NS;
  if (n < 0n) {
    n += NS;
    s -= 1n;
  }
  return { seconds: s.toString(), nanos: Number(n) };
}

/** One result cell as machbase-neo sends it, by the column's type (query/execute.ts names). */
export function cellToAny(v: unknown, columnType: string): AnyValue {
  if (v === null || v === undefined) return NULL_ANY;
  if (columnType === "datetime" && (typeof v === "bigint" || typeof v === "number"))
    return pack("Timestamp", timestampOf(BigInt(v)));
  if (typeof v === "bigint") return pack("Int64Value", { value: v.toString() });
  if (typeof v === "number")
    return columnType === "int64" && Number.isInteger(v)
      ? pack("Int64Value", { value: v.toString() })
      : pack("DoubleValue", { value: v });
  if (typeof v === "string") return pack("StringValue", { value: v });
  if (typeof v === "boolean") return pack("BoolValue", { value: v });
  if (v instanceof Uint8Array) return pack("BytesValue", { value: v });
  return pack("StringValue", { value: String(v) });
}

/** a value the caller sent that neo cannot take */
export class ValueError extends Error {}

const decoded = (w: Wrapper, a: AnyValue) =>
  T[w].toObject(T[w].decode(a.value), { longs: String, bytes: Uint8Array }) as Record<string, unknown>;

/** A parameter (google.protobuf.Any) -> a value SQLite binds; Timestamp -> ns. */
export function anyToParam(a: AnyValue | null | undefined): QueryParam {
  if (!a || a.type_url === "") return null;
  const name = a.type_url.slice(a.type_url.lastIndexOf("/") + 1).replace(/^google\.protobuf\./, "") as Wrapper;
  if (!(name in T)) throw new ValueError(`unsupported parameter type ${a.type_url}`);
  const o = decoded(name, a);
  switch (name) {
    case "Timestamp":
      return BigInt(String(o.seconds ?? "0")) * NS + BigInt(Number(o.nanos ?? 0));
    case "Int64Value":
    case "UInt64Value":
      return BigInt(String(o.value ?? "0"));
    case "BoolValue":
      return o.value === true ? 1 : 0;
    case "StringValue":
      return String(o.value ?? "");
    case "BytesValue":
      return (o.value as Uint8Array | undefined) ?? EMPTY;
    default:
      return Number(o.value ?? 0);
  }
}

/** an int64 as protobufjs hands it over: a Long ({low, high}), a number or decimal text */
function int64Of(v: unknown): bigint {
  if (typeof v === "object" && v !== null && "low" in v && "high" in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    return unsigned ? bits : BigInt.asIntN(64, bits);
  }
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(String(v));
}

/** AppendDatum's oneof members, the common ones first */
const DATUM_KINDS = [
  "v_string",
  "v_time",
  "v_double",
  "v_int64",
  "v_float",
  "v_int32",
  "v_null",
  "v_uint32",
  "v_uint64",
  "v_bool",
  "v_ip",
  "v_bytes",
] as const;

/**
 * One AppendDatum -> a cell. A decoded message holds the member that was sent as its own
 * property (the rest are prototype defaults); asking that is ~2x faster than protobufjs's
 * oneof getter, which walks every member. Plain objects ({ v_double: 1 }) work the same.
 */
export function datumToCell(d: Record<string, unknown>): string | number | bigint | null {
  for (const k of DATUM_KINDS) {
    if (!Object.hasOwn(d, k)) continue;
    const v = d[k];
    if (v === undefined || v === null) continue;
    switch (k) {
      case "v_string":
      case "v_ip":
        return String(v);
      case "v_time":
      case "v_int64":
      case "v_uint64":
        return int64Of(v);
      case "v_bool":
        return v === true ? 1 : 0;
      case "v_null":
        return null;
      case "v_bytes":
        throw new ValueError("bytes cannot be a tag value");
      default:
        return Number(v);
    }
  }
  return null;
}

/** machbase-neo's column description (api.Column) for a result column */
export interface ColumnInfo {
  name: string;
  dataType: string;
  type: number;
  length: number;
  flag: number;
}

/** machbase-neo's ColumnType numbers (api/columns.go) and flags */
const COLUMN_TYPE: Record<string, number> = { string: 5, datetime: 6, double: 20, int64: 12, binary: 97 };
const FLAG_TAG_NAME = 0x08000000;
const FLAG_BASETIME = 0x01000000;

export function columnInfo(name: string, dataType: string): ColumnInfo {
  const flag = name === "NAME" ? FLAG_TAG_NAME : name === "TIME" ? FLAG_BASETIME : 0;
  return { name, dataType, type: COLUMN_TYPE[dataType] ?? 0, length: dataType === "string" ? 100 : 0, flag };
}

/** a tag table's columns, as Appender describes them (machbase-neo TableType 6 = tag) */
export const TAG_COLUMNS: readonly ColumnInfo[] = [
  columnInfo("NAME", "string"),
  columnInfo("TIME", "datetime"),
  columnInfo("VALUE", "double"),
];
export const TABLE_TYPE_TAG = 6;
