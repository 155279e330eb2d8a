import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki } from "../pki/index.ts";
import { openRegistry } from "./index.ts";
import { MAX_PENDING, MAX_PER_CLIENT } from "./pending-certs.ts";

setLogLevel("error");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const fp = (n: number) => n.toString(16).padStart(64, "0");
const seen = (clientId: string, n: number) => ({
  fingerprint: fp(n),
  clientId,
  ca: "acme",
  subject: `CN=${clientId}`,
  serial: n.toString(16),
  notBefore: Date.now() - 1000,
  notAfter: Date.now() + 86_400_000,
  address: "10.0.0.9",
});

test("pending certificates are bounded per client and in all; seeing one again writes no new row", async () => {
  const data = mkdtempSync(join(tmpdir(), "neo-pending-"));
  dirs.push(data);
  const reg = openRegistry(data);
  try {
    const t = Date.now();
    expect(reg.pending.record(seen("dev", 1), t)).toBe("kept");
    expect(reg.pending.record(seen("dev", 1), t + 1)).toBe("seen");
    expect(reg.pending.list()).toHaveLength(1);
    // one client presenting many certificates keeps only its newest few
    for (let i = 2; i <= MAX_PER_CLIENT + 5; i++) reg.pending.record(seen("dev", i), t + i);
    const mine = reg.pending.list();
    expect(mine).toHaveLength(MAX_PER_CLIENT);
    expect(mine.map((p) => p.fingerprint)).not.toContain(fp(1));
    // many clients: the table stops at its bound
    let full = 0;
    for (let i = 0; i < MAX_PENDING + 10; i++) if (reg.pending.record(seen(`c${i}`, 1000 + i), t) === "full") full++;
    expect(reg.pending.list()).toHaveLength(MAX_PENDING);
    expect(full).toBe(MAX_PER_CLIENT + 10);
    // by client id only when it is unambiguous
    expect(() => reg.pending.find("dev")).toThrow(/give the fingerprint/);
    expect(reg.pending.find("c0").fingerprint).toBe(fp(1000));
    expect(reg.pending.reject(fp(1000)).clientId).toBe("c0");
    expect(() => reg.pending.find(fp(1000))).toThrow(/no pending certificate/);
  } finally {
    reg.close();
  }
});

test("approve makes the pending certificate the client's current one and retires the old", async () => {
  const data = mkdtempSync(join(tmpdir(), "neo-pending-"));
  dirs.push(data);
  const pki = await loadOrCreatePki(data, { hosts: [] });
  const reg = openRegistry(data);
  try {
    const notBefore = new Date();
    const made = await reg.create({ id: "dev", keyType: "ec", pki, notBefore, notAfter: new Date(Date.now() + 1e9) });
    reg.pending.record(seen("dev", 7));
    reg.pending.record(seen("ghost", 8));
    const v = reg.dataVersion();
    const { record } = reg.pending.approve(fp(7));
    expect(record.certFingerprint).toBe(fp(7));
    expect(reg.idByFingerprint(fp(7))).toBe("dev");
    expect(reg.dataVersion()).not.toBe(v);
    expect(reg.revokedSerials().map((r) => r.serial)).toContain(made.record.certSerial);
    expect(reg.pending.list().map((p) => p.clientId)).toEqual(["ghost"]);
    expect(() => reg.pending.approve(fp(8))).toThrow(/no longer exists/);
  } finally {
    reg.close();
  }
});
