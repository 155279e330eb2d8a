// src/mqtt/parser.ts (one shared parser, a flat byte list in place of `bl`, settings
// swapped per call) and build.ts (bl and debug replaced in the binary) reach into
// mqtt-packet's private parts. This test fails loudly, naming the part, when an upgrade
// changes any of them: read parser.ts and build.ts again before moving the pin.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import mqtt from "mqtt-packet";
import pkg from "../../package.json" with { type: "json" };

const PINNED = "9.0.2";
const dir = dirname(Bun.resolveSync("mqtt-packet/package.json", import.meta.dir));
const installed = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
const parserSource = readFileSync(join(dir, "parser.js"), "utf8");

/** what parser.ts's FlatList offers in place of bl's BufferList */
const FLAT_LIST = ["append", "consume", "length", "readUInt8", "readUInt16BE", "readUInt32BE", "slice", "toString"];

function relied(what: string, ok: boolean): void {
  if (!ok) throw new Error(`mqtt-packet internals changed: ${what} (src/mqtt/parser.ts / build.ts rely on it)`);
}

describe(`mqtt-packet ${PINNED} internals that src/mqtt/parser.ts relies on`, () => {
  test("package.json pins the exact version and it is the one installed", () => {
    relied(`package.json pins mqtt-packet to exactly ${PINNED}`, pkg.dependencies["mqtt-packet"] === PINNED);
    relied(`installed mqtt-packet is ${PINNED}, found ${installed}`, installed === PINNED);
  });

  test("a parser has settings, error, _list, _stateCounter, _pos and _resetState", () => {
    const p = mqtt.parser({ protocolVersion: 4 }) as unknown as Record<string, unknown>;
    relied("parser.settings is the options object", (p.settings as { protocolVersion?: number }).protocolVersion === 4);
    relied("parser.error starts as null", p.error === null);
    relied("parser._stateCounter starts at 0", p._stateCounter === 0);
    relied("parser._resetState is a method", typeof p._resetState === "function");
    relied("parser._list is a byte list", typeof (p._list as { append?: unknown }).append === "function");
    relied(
      "_resetState creates the byte list with bl()",
      /_resetState\s*\(\)\s*\{[^}]*this\._list\s*=\s*bl\(\)/.test(parserSource),
    );
    relied("the parser reads at this._pos", parserSource.includes("this._pos"));
  });

  test("the parser uses only byte-list methods FlatList implements", () => {
    const used = new Set([...parserSource.matchAll(/this\._list\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!));
    for (const m of used) relied(`parser.js calls _list.${m}, which FlatList lacks`, FLAT_LIST.includes(m));
  });

  test("a CONNECT replaces settings with the packet, so its version governs the packets behind it", () => {
    const p = mqtt.parser({ protocolVersion: 4 });
    const inner = p as unknown as { settings: { protocolVersion?: number } };
    const before = inner.settings;
    let connect: unknown;
    p.on("packet", (pkt) => (connect = pkt));
    p.parse(mqtt.generate({ cmd: "connect", protocolVersion: 5, clientId: "c", clean: true, keepalive: 0 }));
    relied(
      "settings is replaced (not mutated) by the CONNECT packet",
      inner.settings === connect && before.protocolVersion === 4,
    );
    relied("the CONNECT's protocolVersion is read from settings", inner.settings.protocolVersion === 5);
  });

  test("bl and debug are required by those bare names (build.ts swaps them in the binary)", () => {
    relied("parser.js requires 'bl'", parserSource.includes("require('bl')"));
    relied("parser.js requires 'debug'", parserSource.includes("require('debug')"));
  });

  test("a malformed packet sets parser.error and _resetState clears it", () => {
    const p = mqtt.parser({ protocolVersion: 4 });
    p.on("error", () => {});
    p.parse(Buffer.from([0x36, 0x00])); // PUBLISH with both QoS bits set
    const inner = p as unknown as { error: Error | null; _resetState(): void };
    relied("a malformed packet leaves parser.error set", inner.error instanceof Error);
    inner._resetState();
    relied("_resetState clears parser.error", inner.error === null);
  });
});

test("the test's own reasoning holds: FlatList in parser.ts still lists those methods", () => {
  const own = readFileSync(join(import.meta.dir, "parser.ts"), "utf8");
  for (const m of FLAT_LIST) expect(own).toMatch(new RegExp(`\\b(get )?${m}\\(`));
});
