// SenML (RFC 8428) in its JSON form, application/senml+json: a pack (array) of records
// whose base fields (bn, bt, bu, bv, bs, bver) carry over to the records that follow.
// Resolution gives every record its full name, an absolute time in nanoseconds (from the
// number's decimal text, so 1.276020076001e+09 s is exactly 1276020076001000000 ns) and
// its unit. Any problem refuses the whole pack with a reason that names the record.
import { decimalToBigInt } from "./decimal.ts";
import { parseJsonExact } from "./json.ts";
import { badPayload, RawNumber } from "./row.ts";

/** One resolved SenML record: exactly one of value/stringValue/boolValue/dataValue, or a sum, or both. */
export interface SenmlRecord {
  name: string;
  /** nanoseconds since the Unix epoch */
  time: bigint;
  unit?: string;
  /** v (plus bv) */
  value?: number;
  /** vs */
  stringValue?: string;
  /** vb */
  boolValue?: boolean;
  /** vd: base64url text, as sent */
  dataValue?: string;
  /** s (plus bs) */
  sum?: number;
  /** ut: seconds */
  updateTime?: number;
}

/** the version this parser implements; a pack asking for a later one is refused [RFC 8428 4.4] */
const SENML_VERSION = 10;
/** resolved times below 2^28 s are relative to the time of arrival [RFC 8428 4.5.3] */
const RELATIVE_LIMIT_NS = 2n ** 28n * 1_000_000_000n;
const NAME = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const KNOWN = new Set(["bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut"]);
const MAX_NAME = 1024;

type Rec = Record<string, unknown>;

const isNumber = (v: unknown): v is number | RawNumber => typeof v === "number" || v instanceof RawNumber;
const toDouble = (v: number | RawNumber): number => (typeof v === "number" ? v : Number(v.raw));

function decimalText(v: number | RawNumber): string {
  // a short literal parsed to a double prints back as the same decimal (shortest round trip)
  return typeof v === "number" ? String(v) : v.raw;
}

/** seconds (JSON number) -> exact nanoseconds */
function secondsToNs(v: number | RawNumber, where: string): bigint {
  const ns = decimalToBigInt(decimalText(v), 9);
  if (ns === undefined) throw badPayload(`${where}: time is not a decimal number`);
  return ns;
}

function field<T>(r: Rec, key: string, where: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = r[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw badPayload(`${where}: "${key}" must be ${what}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";

export interface SenmlOptions {
  /** time of arrival in ns, for relative times; default now */
  now?: bigint;
  /** most records one pack may hold; default 100000 */
  maxRecords?: number;
}

/** Resolve an already parsed SenML pack. Throws NeoError("bad_payload") with the reason. */
export function resolveSenml(doc: unknown, o: SenmlOptions = {}): SenmlRecord[] {
  if (!Array.isArray(doc)) throw badPayload("SenML pack must be a JSON array of records");
  const max = o.maxRecords ?? 100_000;
  if (doc.length > max) throw badPayload(`SenML pack has ${doc.length} records, at most ${max} are accepted`);
  const now = o.now ?? BigInt(Date.now()) * 1_000_000n;
  let bn = "";
  let bt = 0n;
  let bu: string | undefined;
  let bv = 0;
  let bs = 0;
  let version: number | undefined;
  const out: SenmlRecord[] = [];
  doc.forEach((item, i) => {
    const where = `SenML record ${i + 1}`;
    if (typeof item !== "object" || item === null || Array.isArray(item) || item instanceof RawNumber)
      throw badPayload(`${where}: must be a JSON object`);
    const r = item as Rec;
    for (const k of Object.keys(r)) {
      // fields ending in "_" must be understood by the receiver [RFC 8428 4.4]
      if (!KNOWN.has(k) && k.endsWith("_")) throw badPayload(`${where}: unknown must-understand field "${k}"`);
    }
    const ver = field(r, "bver", where, isNumber, "a positive integer");
    if (ver !== undefined) {
      const n = toDouble(ver);
      if (!Number.isInteger(n) || n < 1) throw badPayload(`${where}: "bver" must be a positive integer`);
      if (n > SENML_VERSION)
        throw badPayload(`${where}: SenML version ${n} is not supported (neo reads version ${SENML_VERSION})`);
      if (version !== undefined && version !== n)
        throw badPayload(`${where}: "bver" ${n} differs from the pack's version ${version}`);
      version = n;
    }
    const nbn = field(r, "bn", where, isString, "a string");
    if (nbn !== undefined) bn = nbn;
    const nbt = field(r, "bt", where, isNumber, "a number");
    if (nbt !== undefined) bt = secondsToNs(nbt, where);
    const nbu = field(r, "bu", where, isString, "a string");
    if (nbu !== undefined) bu = nbu;
    const nbv = field(r, "bv", where, isNumber, "a number");
    if (nbv !== undefined) bv = toDouble(nbv);
    const nbs = field(r, "bs", where, isNumber, "a number");
    if (nbs !== undefined) bs = toDouble(nbs);

    const name = bn + (field(r, "n", where, isString, "a string") ?? "");
    if (name === "") throw badPayload(`${where}: no name (neither "bn" nor "n" is set)`);
    if (name.length > MAX_NAME) throw badPayload(`${where}: name is longer than ${MAX_NAME} characters`);
    if (!NAME.test(name))
      throw badPayload(
        `${where}: name ${JSON.stringify(name)} must start with a letter or digit and use only letters, digits and - : . / _`,
      );

    const t = field(r, "t", where, isNumber, "a number");
    let time = bt + (t === undefined ? 0n : secondsToNs(t, where));
    if (time < RELATIVE_LIMIT_NS) time += now; // relative to the time of arrival
    if (time < -(2n ** 63n) || time >= 2n ** 63n) throw badPayload(`${where}: time is out of range`);

    const rec: SenmlRecord = { name, time };
    const unit = field(r, "u", where, isString, "a string") ?? bu;
    if (unit !== undefined && unit !== "") rec.unit = unit;
    const values: string[] = [];
    const v = field(r, "v", where, isNumber, "a number");
    if (v !== undefined) {
      rec.value = bv + toDouble(v);
      values.push("v");
    }
    const vs = field(r, "vs", where, isString, "a string");
    if (vs !== undefined) {
      rec.stringValue = vs;
      values.push("vs");
    }
    const vb = field(r, "vb", where, isBool, "true or false");
    if (vb !== undefined) {
      rec.boolValue = vb;
      values.push("vb");
    }
    const vd = field(r, "vd", where, isString, "a string");
    if (vd !== undefined) {
      if (!BASE64URL.test(vd)) throw badPayload(`${where}: "vd" must be base64url without padding`);
      rec.dataValue = vd;
      values.push("vd");
    }
    if (values.length > 1)
      throw badPayload(`${where}: only one of v, vs, vb, vd may be set (got ${values.join(", ")})`);
    const s = field(r, "s", where, isNumber, "a number");
    if (s !== undefined) rec.sum = bs + toDouble(s);
    if (values.length === 0 && s === undefined) throw badPayload(`${where}: no value (v, vs, vb, vd or s)`);
    if (rec.value !== undefined && !Number.isFinite(rec.value)) throw badPayload(`${where}: value is out of range`);
    if (rec.sum !== undefined && !Number.isFinite(rec.sum)) throw badPayload(`${where}: sum is out of range`);
    const ut = field(r, "ut", where, isNumber, "a number");
    if (ut !== undefined) rec.updateTime = toDouble(ut);
    out.push(rec);
  });
  return out;
}

/** Parse and resolve application/senml+json text. */
export function parseSenml(text: string, o: SenmlOptions = {}): SenmlRecord[] {
  return resolveSenml(parseJsonExact(text, "SenML pack"), o);
}

/**
 * Does this JSON document look like SenML (an array whose first element is an object)?
 * Used for payloads that come without a content type: anything else is plain JSON.
 */
export function looksLikeSenml(doc: unknown): boolean {
  return (
    Array.isArray(doc) &&
    doc.length > 0 &&
    typeof doc[0] === "object" &&
    doc[0] !== null &&
    !Array.isArray(doc[0]) &&
    !(doc[0] instanceof RawNumber)
  );
}
