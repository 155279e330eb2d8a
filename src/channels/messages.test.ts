import { describe, expect, test } from "bun:test";
import { type CredentialRef, makePrincipal } from "../auth/index.ts";
import { setLogLevel, createLogger } from "../lib/log.ts";
import type { Channel, Channels } from "../registry/index.ts";
import { channelTopic, createChannelMessages, parseChannelTopic } from "./messages.ts";
import type { ChannelWriter } from "./messages.ts";

setLogLevel("error");
const CH: Channel = {
  id: "ch-1",
  name: null,
  tags: [],
  status: "enabled",
  updatedAt: null,
  metadata: {},
  table: "CH_1",
  createdAt: 0,
  domainId: "00000000-0000-4000-8000-000000000000",
};
const enc = (s: string) => new TextEncoder().encode(s);
const key = (id: string): CredentialRef => ({ kind: "client", id, form: "token", generation: "g" });
const ANON: CredentialRef = { kind: "anonymous", id: "" };

function setup(scopes: Record<string, string[]> = {}) {
  const writes: { table: string; rows: unknown[]; senml: unknown[] | undefined }[] = [];
  let version = 1;
  const channels = {
    get: (id: string) => (id === CH.id ? CH : null),
    dataVersion: () => version,
  } as unknown as Channels;
  const batcher = {
    write: async (table: string, rows: unknown[], senml?: unknown[]) => {
      writes.push({ table, rows, senml });
      return rows.length;
    },
  } as unknown as ChannelWriter;
  const m = createChannelMessages({
    channels,
    batcher,
    principalOf: (ref) =>
      ref.kind === "client" && scopes[ref.id] ? makePrincipal(ref.id, "client", scopes[ref.id]!) : null,
    log: createLogger("test"),
    now: () => 1_700_000_000_000_000_000n,
  });
  return { m, writes, bump: () => version++, scopes };
}

describe("channel topics", () => {
  test("channels/<id>/messages and its subtopics are channel topics; nothing else is", () => {
    expect(parseChannelTopic("channels/ch-1/messages")).toEqual({ channelId: "ch-1", subtopic: "" });
    expect(parseChannelTopic("channels/ch-1/messages/a/b")).toEqual({ channelId: "ch-1", subtopic: "a/b" });
    for (const t of ["channels/ch-1", "channels//messages", "channels/ch-1/messagesX", "x/channels/a/messages"])
      expect(parseChannelTopic(t)).toBeUndefined();
    expect(channelTopic("a", "")).toBe("channels/a/messages");
    expect(channelTopic("a", "r/t")).toBe("channels/a/messages/r/t");
  });
});

describe("channel rights", () => {
  test("a client's channel scopes decide; the answer changes only after the registry moved", () => {
    const s = setup({ dev: ["channels:publish:ch-1"] });
    expect(s.m.allowed(key("dev"), "ch-1", "publish")).toBe(true);
    expect(s.m.allowed(key("dev"), "ch-1", "subscribe")).toBe(false);
    expect(s.m.allowed(key("dev"), "ch-2", "publish")).toBe(false);
    expect(s.m.allowed(ANON, "ch-1", "publish")).toBe(false);
    s.scopes.dev = ["channels:subscribe:*"];
    expect(s.m.allowed(key("dev"), "ch-1", "publish")).toBe(true); // cached until the registry changes
    s.bump();
    expect(s.m.refresh()).toBe(true);
    expect(s.m.refresh()).toBe(false);
    expect(s.m.allowed(key("dev"), "ch-1", "publish")).toBe(false);
    expect(s.m.allowed(key("dev"), "ch-9", "subscribe")).toBe(true);
  });
});

describe("what a channel message becomes", () => {
  const SENML = '[{"bn":"d:","bt":1.7e9,"n":"t","u":"Cel","v":21.5},{"n":"s","vs":"ok"}]';

  test("SenML (declared, or a JSON array of objects) is stored: tag rows and full records", async () => {
    for (const type of ["application/senml+json", undefined, "application/json; charset=utf-8"]) {
      const s = setup();
      expect(await s.m.ingest(CH, enc(SENML), type)).toEqual({ ok: true, stored: 2, senml: true });
      expect(s.writes[0]?.table).toBe("CH_1");
      expect(s.writes[0]?.rows).toEqual([
        { name: "d:t", time: 1_700_000_000_000_000_000n, value: 21.5 },
        { name: "d:s", time: 1_700_000_000_000_000_000n, value: null },
      ]);
      expect(s.writes[0]?.senml?.[1]).toMatchObject({ name: "d:s", stringValue: "ok", unit: null });
    }
  });

  test("plain JSON, text, binary and other content types are delivered, not stored", async () => {
    const s = setup();
    for (const [body, type] of [
      ['{"temp":21}', undefined],
      ["[1,2,3]", undefined],
      ['[["a",1,2]]', "application/json"],
      ["hello", undefined],
      [SENML, "text/plain"],
    ] as const)
      expect(await s.m.ingest(CH, enc(body), type)).toEqual({ ok: true, stored: 0, senml: false });
    expect(await s.m.ingest(CH, new Uint8Array([0xff, 0xfe]), undefined)).toEqual({
      ok: true,
      stored: 0,
      senml: false,
    });
    expect(s.writes).toEqual([]);
  });

  test("invalid SenML, or a body that is not what its content type says, is refused with the reason", async () => {
    const s = setup();
    expect(await s.m.ingest(CH, enc('[{"n":"x"}]'), undefined)).toEqual({
      ok: false,
      status: 400,
      reason: "SenML record 1: no value (v, vs, vb, vd or s)",
    });
    expect((await s.m.ingest(CH, enc('{"n":"x","v":1}'), "application/senml+json")).ok).toBe(false);
    expect((await s.m.ingest(CH, enc("not json"), "application/json")).ok).toBe(false);
    expect((await s.m.ingest(CH, new Uint8Array([0xff]), "application/senml+json")).ok).toBe(false);
    expect(s.writes).toEqual([]);
  });
});

describe("a store failure", () => {
  test("is a 500 with a generic reason: the internal message (a path, SQLite's words) stays in the log", async () => {
    const channels = { get: () => CH, dataVersion: () => 1 } as unknown as Channels;
    const batcher = {
      write: async () => {
        throw new Error("SQLITE_IOERR: disk I/O error at /var/lib/neo/series.db");
      },
    } as unknown as ChannelWriter;
    const m = createChannelMessages({ channels, batcher, principalOf: () => null, log: createLogger("test") });
    const r = await m.ingest(CH, enc('[{"n":"t","v":1}]'), "application/senml+json");
    expect(r).toEqual({ ok: false, status: 500, reason: "internal error" });
  });
});
