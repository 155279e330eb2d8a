import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki } from "../pki/index.ts";
import { openRegistry } from "./index.ts";

test("this process's writes are announced once per turn; another connection's are seen by dataVersion only", async () => {
  setLogLevel("error");
  const data = mkdtempSync(join(tmpdir(), "neo-registry-change-"));
  const reg = openRegistry(data);
  const other = openRegistry(data);
  try {
    const pki = await loadOrCreatePki(data, { hosts: [] });
    const v = { keyType: "ec" as const, pki, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) };
    await reg.create({ id: "a", ...v });
    let heard = 0;
    const off = reg.onChange(() => heard++);
    reg.updateScopes("a", () => ["tables:read:X"]);
    reg.revoke("a");
    expect(heard).toBe(0); // after the turn, not inside the write
    await Promise.resolve();
    expect(heard).toBe(1); // two writes, one announcement
    const before = reg.dataVersion();
    await other.create({ id: "b", ...v });
    await Promise.resolve();
    expect(heard).toBe(1);
    expect(reg.dataVersion()).not.toBe(before);
    off();
    reg.delete("a");
    await Promise.resolve();
    expect(heard).toBe(1);
  } finally {
    other.close();
    reg.close();
    rmSync(data, { recursive: true, force: true });
    setLogLevel("info");
  }
});
