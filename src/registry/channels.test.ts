import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki } from "../pki/index.ts";
import { defaultChannelTable, openChannels, openRegistry, type Channels, type Registry } from "./index.ts";

setLogLevel("error");
let data: string;
let reg: Registry;
let ch: Channels;
beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), "neo-chan-"));
  const pki = await loadOrCreatePki(data, { hosts: [] });
  reg = openRegistry(data);
  ch = openChannels(data, reg);
  for (const id of ["dev-1", "dev-2"])
    await reg.create({ id, keyType: "ec", pki, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) });
});
afterAll(() => {
  ch.close();
  reg.close();
  rmSync(data, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof NeoError) return e.code;
    throw e;
  }
  return "ok";
}

describe("channels", () => {
  test("the default table is the id upper-cased with - . @ as _, and CH_ first when it starts with a digit", () => {
    expect(defaultChannelTable("room-1.temp")).toBe("ROOM_1_TEMP");
    expect(defaultChannelTable("a@b")).toBe("A_B");
    expect(defaultChannelTable("aa7d5a8c-1b2c-4d5e-8f90-123456789abc")).toBe("AA7D5A8C_1B2C_4D5E_8F90_123456789ABC");
    expect(defaultChannelTable("0d1e")).toBe("CH_0D1E");
  });

  test("a channel is created with a name, metadata and its table, and listed", () => {
    const c = ch.create({ id: "plant-a", name: "Plant A", metadata: { site: "north" } });
    expect(c).toMatchObject({ id: "plant-a", name: "Plant A", metadata: { site: "north" }, table: "PLANT_A" });
    expect(ch.create({ id: "other", table: "readings" }).table).toBe("READINGS");
    expect(ch.list().map((x) => x.id)).toEqual(["plant-a", "other"]);
    expect(ch.get("plant-a")?.createdAt).toBeNumber();
  });

  test("bad ids, tables, metadata and duplicates are refused with a code", () => {
    expect(codeOf(() => ch.create({ id: "Bad Id" }))).toBe("invalid_channel_id");
    expect(codeOf(() => ch.create({ id: "x1", table: "1bad" }))).toBe("invalid_table");
    expect(codeOf(() => ch.create({ id: "x2", metadata: [] as unknown as Record<string, unknown> }))).toBe(
      "invalid_metadata",
    );
    expect(codeOf(() => ch.create({ id: "plant-a" }))).toBe("channel_exists");
    expect(codeOf(() => ch.create({ id: "a".repeat(64) }))).toBe("invalid_table");
  });

  const has = (client: string, scope: string) => reg.get(client)?.scopes.includes(scope) ?? false;

  test("connect adds the channel scopes to the key (both by default), keeps what is held, and disconnect removes both", () => {
    expect(ch.connect("plant-a", "dev-1", { publish: true })).toEqual({
      channelId: "plant-a",
      clientId: "dev-1",
      publish: true,
      subscribe: false,
    });
    expect(has("dev-1", "channels:publish:plant-a")).toBe(true);
    expect(has("dev-1", "channels:subscribe:plant-a")).toBe(false);
    expect(has("dev-1", "tables:read:*")).toBe(true); // the key's other scopes stay
    ch.connect("plant-a", "dev-1", { subscribe: true });
    expect(has("dev-1", "channels:subscribe:plant-a")).toBe(true);
    expect(ch.connect("plant-a", "dev-2")).toMatchObject({ publish: true, subscribe: true });
    expect(ch.connections("plant-a").map((c) => c.clientId)).toEqual(["dev-1", "dev-2"]);
    expect(ch.disconnect("plant-a", "dev-2")).toBe(true);
    expect(ch.disconnect("plant-a", "dev-2")).toBe(false);
    expect(has("dev-2", "channels:publish:plant-a")).toBe(false);
  });

  test("connecting an unknown client or to an unknown channel is refused", () => {
    expect(codeOf(() => ch.connect("plant-a", "ghost"))).toBe("client_not_found");
    expect(codeOf(() => ch.connect("ghost", "dev-1"))).toBe("channel_not_found");
  });

  test("deleting a channel disconnects everyone; deleting a client drops its connections", () => {
    ch.create({ id: "tmp" });
    ch.connect("tmp", "dev-1");
    ch.connect("other", "dev-2");
    const v = ch.dataVersion();
    ch.delete("tmp");
    expect(ch.dataVersion()).not.toBe(v);
    expect(ch.connections("tmp")).toEqual([]);
    expect(codeOf(() => ch.delete("tmp"))).toBe("channel_not_found");
    reg.delete("dev-2");
    expect(ch.connections("other")).toEqual([]);
    expect(ch.connections().map((c) => `${c.channelId}/${c.clientId}`)).toEqual(["plant-a/dev-1"]);
    expect(has("dev-1", "channels:publish:tmp")).toBe(false);
  });
});
