import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { NeoError } from "../lib/errors.ts";
import { loadOrCreatePki, type Pki } from "../pki/index.ts";
import { openRegistry, tokenClientId, type Registry } from "./index.ts";

setLogLevel("error");
const DAY = 86_400_000;
const dirs: string[] = [];
const open: Registry[] = [];
afterAll(() => {
  for (const r of open) r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let data: string;
let pki: Pki;
let reg: Registry;
beforeEach(async () => {
  data = mkdtempSync(join(tmpdir(), "neo-reg-"));
  dirs.push(data);
  pki = await loadOrCreatePki(data, { hosts: [] });
  reg = openRegistry(data);
  open.push(reg);
});

const validity = () => ({ notBefore: new Date(), notAfter: new Date(Date.now() + 365 * DAY) });
const create = (id: string, r: Registry = reg) => r.create({ id, keyType: "ec", pki, ...validity() });

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof NeoError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no error";
}

describe("create", () => {
  test("issues a certificate for the id and a token of the documented format", async () => {
    const c = await create("myapp01");
    expect(c.token).toMatch(/^myapp01:b:[0-9a-f]{64}$/);
    expect(tokenClientId(c.token)).toBe("myapp01");
    expect(new X509Certificate(c.certPem).subject).toBe("CN=myapp01");
    expect(c.record).toMatchObject({
      id: "myapp01",
      keyType: "ec",
      status: "active",
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(c.record.certFingerprint).toBe(
      new X509Certificate(c.certPem).fingerprint256.replace(/:/g, "").toLowerCase(),
    );
    expect(c.record.certSerial).toBe(new X509Certificate(c.certPem).serialNumber.toLowerCase());
  });

  test("two clients get different tokens", async () => {
    const a = await create("a");
    const b = await create("b");
    expect(a.token.slice(-64)).not.toBe(b.token.slice(-64));
  });

  test("the token, its secret part and the private key are not in the database files", async () => {
    const c = await create("secretive");
    reg.close();
    open.splice(open.indexOf(reg), 1);
    let bytes = readFileSync(join(data, "registry.db")).toString("latin1");
    for (const f of ["registry.db-wal"]) {
      try {
        bytes += readFileSync(join(data, f)).toString("latin1");
      } catch {}
    }
    expect(bytes).toContain("secretive"); // sanity: we are reading the right file
    expect(bytes).not.toContain(c.token.slice(-64));
    expect(bytes).not.toContain(Buffer.from(c.token.slice(-64), "hex").toString("latin1"));
    expect(bytes).not.toContain(c.keyPem.split("\n")[1]!);
  });

  test("token.key and registry.db are private files", async () => {
    await create("x");
    expect(statSync(join(data, "token.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, "token.key")).size).toBe(32);
    expect(statSync(join(data, "registry.db")).mode & 0o777).toBe(0o600);
  });

  test("a duplicate id is refused and the first client is untouched", async () => {
    const first = await create("dup");
    expect(await codeOf(create("dup"))).toBe('client_exists: client "dup" already exists');
    expect(reg.get("dup")?.certFingerprint).toBe(first.record.certFingerprint);
  });

  test.each(["", "Upper", "-lead", "_lead", "a b", "a/b", "a:b", "x".repeat(65), "dévice", "a\n"])(
    "invalid id %j is refused with the rule in the message",
    async (id) => {
      expect(await codeOf(create(id))).toBe(
        `invalid_client_id: invalid client id ${JSON.stringify(id)}: use 1-64 of a-z 0-9 _ . @ -, starting with a letter or digit`,
      );
      expect(reg.list()).toEqual([]);
    },
  );

  test("ids with every allowed character and 64 characters long are accepted", async () => {
    await create("0a_b.c@d-e");
    await create("z".repeat(64));
    expect(reg.list().map((r) => r.id)).toEqual(["0a_b.c@d-e", "z".repeat(64)]);
  });
});

describe("delete, revoke, rotate", () => {
  test("delete removes the record and an unknown id is not_found", async () => {
    await create("gone");
    reg.delete("gone");
    expect(reg.get("gone")).toBeNull();
    expect(await codeOf(() => reg.delete("gone"))).toBe('client_not_found: client "gone" not found');
  });

  test("revoke keeps the record as revoked and lists its serial for the CRL", async () => {
    const c = await create("bad");
    const r = reg.revoke("bad");
    expect(r.status).toBe("revoked");
    expect(r.revokedAt).toBeNumber();
    expect(reg.list().map((x) => [x.id, x.status])).toEqual([["bad", "revoked"]]);
    expect(reg.revokedSerials()).toMatchObject([{ serial: c.record.certSerial, clientId: "bad", cause: "revoked" }]);
    expect(reg.revoke("bad").status).toBe("revoked"); // idempotent
    expect(reg.revokedSerials()).toHaveLength(1);
  });

  test("rotate gives a new certificate and token for the same id and retires the old certificate", async () => {
    const old = await create("rot");
    const fresh = await reg.rotate("rot", pki);
    expect(fresh.record.id).toBe("rot");
    expect(fresh.token).not.toBe(old.token);
    expect(fresh.record.certFingerprint).not.toBe(old.record.certFingerprint);
    expect(fresh.record.certSerial).not.toBe(old.record.certSerial);
    expect(fresh.record.createdAt).toBe(old.record.createdAt);
    expect(reg.revokedSerials()).toMatchObject([{ serial: old.record.certSerial, cause: "rotated" }]);
    expect(reg.credentials("rot")?.tokenHash).toEqual(reg.hashToken(fresh.token));
  });

  test("rotating a revoked client is refused", async () => {
    await create("r");
    reg.revoke("r");
    expect(await codeOf(reg.rotate("r", pki))).toStartWith("client_revoked:");
  });

  test("deleting puts the certificate on the revoked list too", async () => {
    const c = await create("d");
    reg.delete("d");
    expect(reg.revokedSerials()).toMatchObject([{ serial: c.record.certSerial, cause: "deleted" }]);
  });
});

describe("dataVersion and sharing the file", () => {
  test("own writes and another connection's writes both move dataVersion, reads do not", async () => {
    const v0 = reg.dataVersion();
    reg.list();
    expect(reg.dataVersion()).toBe(v0);
    await create("a");
    const v1 = reg.dataVersion();
    expect(v1).not.toBe(v0);
    const other = openRegistry(data);
    open.push(other);
    other.revoke("a");
    expect(reg.dataVersion()).not.toBe(v1);
  });

  test("touch records last use at most every 30 seconds and does not move dataVersion", async () => {
    await create("t");
    const v = reg.dataVersion();
    reg.touch("t");
    const first = reg.get("t")?.lastUsedAt;
    expect(first).toBeNumber();
    reg.touch("t");
    expect(reg.get("t")?.lastUsedAt).toBe(first!);
    expect(reg.dataVersion()).toBe(v);
  });

  test("a key deleted by another process is gone on this connection's very next lookup", async () => {
    await create("victim");
    expect(reg.get("victim")).not.toBeNull();
    const script = join(data, "del.ts");
    await Bun.write(
      script,
      `import { openRegistry } from ${JSON.stringify(join(import.meta.dir, "index.ts"))};\n` +
        `const r = openRegistry(${JSON.stringify(data)}); r.delete("victim"); r.close();\n`,
    );
    const p = Bun.spawn(["bun", script], { stdout: "ignore", stderr: "pipe" });
    expect(await p.exited).toBe(0);
    expect(reg.get("victim")).toBeNull();
    expect(reg.credentials("victim")).toBeNull();
  });

  test("two registries opened together on a fresh dir share one token key", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "neo-reg-"));
    dirs.push(fresh);
    const a = openRegistry(fresh);
    const b = openRegistry(fresh);
    open.push(a, b);
    expect(a.hashToken("x:b:00")).toEqual(b.hashToken("x:b:00"));
  });
});

describe("scopes", () => {
  test("a key is stored with the scopes it was made with, and without any gets the all-access set", async () => {
    await reg.create({ id: "s1", keyType: "ec", pki, scopes: ["tables:read:TAG"], ...validity() });
    await create("s2");
    expect(reg.get("s1")?.scopes).toEqual(["tables:read:TAG"]);
    expect(reg.get("s2")?.scopes).toContain("topics:subscribe:#");
  });

  test("changing scopes is one transaction other processes see through the data version", async () => {
    await create("s1");
    const other = openRegistry(data);
    open.push(other);
    const before = other.dataVersion();
    reg.updateScopes("s1", () => ["topics:publish:devices/%c/#"]);
    expect(other.dataVersion()).not.toBe(before);
    expect(other.get("s1")?.scopes).toEqual(["topics:publish:devices/%c/#"]);
    expect(await codeOf(() => reg.updateScopes("nobody", (s) => s))).toStartWith("client_not_found");
  });

  test("keys made before scopes existed keep all access, written out", async () => {
    await create("old");
    reg.close();
    const { Database } = await import("bun:sqlite");
    const db = new Database(join(data, "registry.db"));
    db.exec("ALTER TABLE clients DROP COLUMN scopes; DELETE FROM _neo_migrations WHERE scope = 'registry' AND id = 2");
    db.close();
    reg = openRegistry(data);
    open.push(reg);
    expect(reg.get("old")?.scopes).toEqual([
      "tables:read:*",
      "tables:write:*",
      "topics:publish:#",
      "topics:subscribe:#",
      "topics:subscribe:$SYS/#",
      "clients:connect:*",
    ]);
  });
});
