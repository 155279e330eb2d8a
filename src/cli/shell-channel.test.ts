import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

setDefaultTimeout(30_000); // each test spawns CLI processes
const MAIN = join(import.meta.dir, "..", "main.ts");
let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), "neo-cli-channel-"));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function neo(...args: string[]) {
  const env = { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1", TZ: "UTC" };
  const p = Bun.spawn(["bun", MAIN, "shell", ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

describe("neo shell channel", () => {
  test("create, connect, list (box and json), disconnect and del work on the data dir", async () => {
    expect((await neo("key", "gen", "thing-1")).code).toBe(0);
    const c = await neo("channel", "create", "room-1", "--name", "Room 1", "--metadata", '{"floor":2}');
    expect(c).toMatchObject({ code: 0, stdout: "created channel room-1 (table ROOM_1)\n" });
    expect((await neo("channel", "connect", "room-1", "thing-1", "--publish")).stdout).toBe(
      "connected thing-1 to room-1 (publish)\n",
    );
    const box = await neo("channel", "list");
    expect(box.stdout).toContain("│ ROWNUM │ ID");
    expect(box.stdout).toMatch(/room-1\s+│ Room 1\s+│ ROOM_1\s+│ thing-1\(publish\)/);
    const json = JSON.parse((await neo("channel", "list", "--format", "json")).stdout);
    expect(json).toEqual([
      {
        id: "room-1",
        name: "Room 1",
        table: "ROOM_1",
        metadata: { floor: 2 },
        tags: [],
        status: "enabled",
        createdAt: expect.any(String),
        connections: [{ clientId: "thing-1", publish: true, subscribe: false }],
      },
    ]);
    expect((await neo("channel", "disconnect", "room-1", "thing-1")).stdout).toBe("disconnected\n");
    expect((await neo("channel", "del", "room-1")).stdout).toBe("deleted\n");
    expect(JSON.parse((await neo("channel", "list", "--format", "json")).stdout)).toEqual([]);
  });

  test("disable and enable a channel; the list shows its status", async () => {
    expect((await neo("channel", "create", "gate-1")).code).toBe(0);
    expect((await neo("channel", "disable", "gate-1")).stdout).toBe("channel gate-1 is disabled\n");
    const status = async () =>
      (JSON.parse((await neo("channel", "list", "--format", "json")).stdout) as { id: string; status: string }[]).find(
        (c) => c.id === "gate-1",
      )?.status;
    expect(await status()).toBe("disabled");
    expect((await neo("channel", "enable", "gate-1")).stdout).toBe("channel gate-1 is enabled\n");
    expect(await status()).toBe("enabled");
    expect((await neo("channel", "disable", "nope")).stderr).toBe('neo: channel "nope" not found\n');
    expect((await neo("channel", "del", "gate-1")).code).toBe(0);
  });

  test("mistakes get a one-line reason and a non-zero exit", async () => {
    const bad = await neo("channel", "create", "Bad Id");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^neo: invalid channel id "Bad Id"/);
    expect((await neo("channel", "connect", "nope", "thing-1")).stderr).toBe('neo: channel "nope" not found\n');
    const meta = await neo("channel", "create", "x", "--metadata", "[1]");
    expect(meta.code).toBe(2);
    expect(meta.stderr).toContain("--metadata must be a JSON object");
    expect((await neo("channel", "list", "--format", "xml")).code).toBe(2);
  });
});
