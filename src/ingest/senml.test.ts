import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { NeoError } from "../lib/errors.ts";
import { parseSenml, resolveSenml } from "./index.ts";

const NOW = 1_700_000_000_123_456_789n;
const S = 1_000_000_000n;
const parse = (text: string) => parseSenml(text, { now: NOW });

function reason(text: string): string {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(NeoError);
    expect((e as NeoError).status).toBe(400);
    return (e as NeoError).message;
  }
  throw new Error(`expected ${text} to be refused`);
}

// the pack from the Mainflux and Magistrala docs
const MAINFLUX_PACK =
  '[{"bn":"some-base-name:","bt":1.276020076001e+09, "bu":"A","bver":5, "n":"voltage","u":"V","v":120.1}, {"n":"current","t":-5,"v":1.2}, {"n":"current","t":-4,"v":1.3}]';

describe("SenML resolution (RFC 8428 examples)", () => {
  test("Mainflux's documented pack resolves to exact nanosecond times, names and units", () => {
    expect(parse(MAINFLUX_PACK)).toEqual([
      { name: "some-base-name:voltage", time: 1276020076001000000n, unit: "V", value: 120.1 },
      { name: "some-base-name:current", time: 1276020071001000000n, unit: "A", value: 1.2 },
      { name: "some-base-name:current", time: 1276020072001000000n, unit: "A", value: 1.3 },
    ]);
  });

  test("a single datapoint with no time is stamped with the time of arrival (5.1.1)", () => {
    expect(parse('[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]')).toEqual([
      { name: "urn:dev:ow:10e2073a01080063", time: NOW, unit: "Cel", value: 23.1 },
    ]);
  });

  test("the base name prefixes every record's name (5.1.2)", () => {
    const r = parse(
      '[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},{"n":"current","u":"A","v":1.2}]',
    );
    expect(r.map((x) => [x.name, x.unit, x.value])).toEqual([
      ["urn:dev:ow:10e2073a01080063:voltage", "V", 120.1],
      ["urn:dev:ow:10e2073a01080063:current", "A", 1.2],
    ]);
  });

  test("relative times count back from the base time; a record's unit overrides the base unit (5.1.3)", () => {
    const r = parse(`[
      {"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
      {"n":"current","t":-5,"v":1.2},{"n":"current","t":-4,"v":1.3},{"n":"current","t":-3,"v":1.4},
      {"n":"current","t":-2,"v":1.5},{"n":"current","t":-1,"v":1.6},{"n":"current","v":1.7}]`);
    expect(r.map((x) => x.time)).toEqual([
      1276020076001000000n,
      1276020071001000000n,
      1276020072001000000n,
      1276020073001000000n,
      1276020074001000000n,
      1276020075001000000n,
      1276020076001000000n,
    ]);
    expect(r.map((x) => x.unit)).toEqual(["V", "A", "A", "A", "A", "A", "A"]);
  });

  test("records with only a base name and units of several kinds (5.1.5)", () => {
    const r = parse(`[
      {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":20},
      {"u":"lon","v":24.30621},{"u":"lat","v":60.07965},{"t":60,"v":20.3},{"u":"%EL","t":150,"v":98}]`);
    expect(r.map((x) => [x.name, x.time, x.unit, x.value])).toEqual([
      ["urn:dev:ow:10e2073a01080063", 1320067464000000000n, "%RH", 20],
      ["urn:dev:ow:10e2073a01080063", 1320067464000000000n, "lon", 24.30621],
      ["urn:dev:ow:10e2073a01080063", 1320067464000000000n, "lat", 60.07965],
      ["urn:dev:ow:10e2073a01080063", 1320067524000000000n, "%RH", 20.3],
      ["urn:dev:ow:10e2073a01080063", 1320067614000000000n, "%EL", 98],
    ]);
  });

  test("string, boolean and data values, sums and base values and sums are kept (5.1.6, 5.1.7)", () => {
    const r = parse(`[
      {"bn":"2001:db8::2/","bt":1.320078429e+09,"n":"temperature","u":"Cel","v":27.2},
      {"n":"nfc-reader","vs":"4b4f"},{"n":"light","vb":true},{"n":"blob","vd":"aGkgCg"},
      {"bv":100,"bs":10,"n":"energy","u":"kWh","v":2.5,"s":1},{"n":"total","s":5}]`);
    expect(r).toEqual([
      { name: "2001:db8::2/temperature", time: 1320078429000000000n, unit: "Cel", value: 27.2 },
      { name: "2001:db8::2/nfc-reader", time: 1320078429000000000n, stringValue: "4b4f" },
      { name: "2001:db8::2/light", time: 1320078429000000000n, boolValue: true },
      { name: "2001:db8::2/blob", time: 1320078429000000000n, dataValue: "aGkgCg" },
      { name: "2001:db8::2/energy", time: 1320078429000000000n, unit: "kWh", value: 102.5, sum: 11 },
      { name: "2001:db8::2/total", time: 1320078429000000000n, sum: 15 },
    ]);
  });

  test("times keep every digit of their decimal text, including nanoseconds and beyond 2^53", () => {
    expect(parse('[{"n":"x","t":1700000000.123456789,"v":1}]')[0]?.time).toBe(1700000000123456789n);
    expect(parse('[{"n":"x","bt":1.7e9,"t":0.000000001,"v":1}]')[0]?.time).toBe(1700000000000000001n);
    expect(parse('[{"n":"x","t":-1.5,"v":1}]')[0]?.time).toBe(NOW - 1_500_000_000n);
    expect(parse('[{"n":"x","t":268435455,"v":1}]')[0]?.time).toBe(NOW + 268435455n * S); // 2^28 - 1: relative
    expect(parse('[{"n":"x","t":268435456,"v":1}]')[0]?.time).toBe(268435456n * S); // 2^28: absolute
  });

  test("the update time and unknown fields without a trailing underscore are accepted", () => {
    expect(parse('[{"n":"x","v":1,"ut":10,"foo":"bar"}]')).toEqual([
      { name: "x", time: NOW, value: 1, updateTime: 10 },
    ]);
  });
});

describe("invalid SenML is refused with a reason", () => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "[{", /not valid JSON/],
    ["not an array", '{"n":"x","v":1}', /must be a JSON array/],
    ["a record that is not an object", '[{"n":"x","v":1},3]', /record 2: must be a JSON object/],
    ["no name", '[{"v":1}]', /record 1: no name/],
    ["no value", '[{"n":"x"}]', /record 1: no value/],
    ["two values", '[{"n":"x","v":1,"vs":"a"}]', /only one of v, vs, vb, vd/],
    ["a later version", '[{"bver":11,"n":"x","v":1}]', /version 11 is not supported/],
    ["a bad version", '[{"bver":1.5,"n":"x","v":1}]', /positive integer/],
    ["versions that differ", '[{"bver":5,"n":"x","v":1},{"bver":6,"n":"y","v":1}]', /differs/],
    ["a bad name", '[{"n":"-x","v":1}]', /must start with a letter or digit/],
    ["a name with a space", '[{"bn":"a ","n":"b","v":1}]', /must start with a letter or digit/],
    ["a string time", '[{"n":"x","t":"1","v":1}]', /"t" must be a number/],
    ["a string value", '[{"n":"x","v":"1"}]', /"v" must be a number/],
    ["a non-boolean vb", '[{"n":"x","vb":1}]', /"vb" must be true or false/],
    ["padded base64 data", '[{"n":"x","vd":"aGk="}]', /base64url/],
    ["a must-understand field", '[{"n":"x","v":1,"foo_":1}]', /must-understand field "foo_"/],
    ["a time out of range", '[{"n":"x","t":1e20,"v":1}]', /out of range/],
  ];
  for (const [what, text, re] of cases) {
    test(`${what}`, () => expect(reason(text)).toMatch(re));
  }

  test("a pack over the record limit is refused before any record is read", () => {
    expect(() => resolveSenml([{}, {}, {}], { maxRecords: 2 })).toThrow(/at most 2/);
  });

  test("an empty pack is valid and has no records", () => {
    expect(parse("[]")).toEqual([]);
  });
});

describe("SenML properties", () => {
  test("an absolute base time plus a relative time is exact to the nanosecond", () => {
    fc.assert(
      fc.property(
        fc.bigInt(268435456n, 4_000_000_000n),
        fc.bigInt(0n, 999_999_999n),
        fc.integer({ min: -100_000, max: 100_000 }),
        (sec, frac, t) => {
          const bt = `${sec}.${frac.toString().padStart(9, "0")}`;
          const [r] = parse(`[{"bn":"dev:","bt":${bt},"n":"x","t":${t},"v":1}]`);
          const want = sec * S + frac + BigInt(t) * S;
          expect(r?.time).toBe(want < 2n ** 28n * S ? want + NOW : want);
        },
      ),
    );
  });

  test("base fields resolve the same as writing every field out in full", () => {
    const rec = fc.record({
      n: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
      t: fc.integer({ min: -1000, max: 1000 }),
      v: fc.integer({ min: -1e6, max: 1e6 }),
    });
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{1,6}:$/),
        fc.integer({ min: 1_300_000_000, max: 1_800_000_000 }),
        fc.integer({ min: -100, max: 100 }),
        fc.array(rec, { minLength: 1, maxLength: 20 }),
        (bn, bt, bv, records) => {
          const packed = records.map((r, i) => (i === 0 ? { bn, bt, bv, bu: "A", ...r } : r));
          const full = records.map((r) => ({ n: bn + r.n, t: bt + r.t, v: bv + r.v, u: "A" }));
          expect(resolveSenml(packed, { now: NOW })).toEqual(resolveSenml(full, { now: NOW }));
        },
      ),
    );
  });
});
