// JSON text the way /db/* replies write cells: exact int64, base64 blobs.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
// bigint -> exact digits; BLOB cells (Uint8Array) -> base64 text, not {"0":..,"1":..}
const bigintAsDigits = (_k: string, v: unknown) =>
  typeof v === "bigint" ? rawJSON(v.toString()) : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v;

/** JSON.stringify that writes bigint as exact JSON numbers and binary as base64. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, bigintAsDigits);
}
