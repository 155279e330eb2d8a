import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki, type Pki } from "../pki/index.ts";
import { openDomains, openRegistry, type IssuedClient, type Registry } from "../registry/index.ts";
import { ALL_ACCESS_SCOPES, authorize, createAuth, makePrincipal, type Auth, type CredentialRef } from "./index.ts";

setLogLevel("error");
afterAll(() => setLogLevel("info")); // the level is global to the test process
const DAY = 86_400_000;
const dirs: string[] = [];
const regs: Registry[] = [];
afterAll(() => {
  for (const r of regs) r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let data: string;
let pki: Pki;
let reg: Registry;
let clock: number;
let auth: Auth;
beforeEach(async () => {
  data = mkdtempSync(join(tmpdir(), "neo-auth-"));
  dirs.push(data);
  pki = await loadOrCreatePki(data, { hosts: [] });
  reg = openRegistry(data);
  regs.push(reg);
  clock = Date.now();
  auth = createAuth({ registry: reg, now: () => clock });
});

const create = (id: string, days = 365, startOffset = 0): Promise<IssuedClient> =>
  reg.create({
    id,
    keyType: "ec",
    pki,
    notBefore: new Date(clock + startOffset),
    notAfter: new Date(clock + startOffset + days * DAY),
  });

const peer = (c: IssuedClient) => {
  const x = new X509Certificate(c.certPem);
  return { fingerprint256: x.fingerprint256, cn: x.subject.replace(/^CN=/, "") };
};

describe("verifyToken", () => {
  test("a fresh token names its client and expires with its key", async () => {
    const c = await create("myapp01");
    expect(auth.verifyToken(c.token)).toEqual({
      ok: true,
      clientId: "myapp01",
      domainId: "00000000-0000-4000-8000-000000000000",
      expiresAt: c.record.notAfter,
      fingerprint256: c.record.certFingerprint,
      scopes: c.record.scopes,
    });
  });

  test("missing, wrong, unknown and malformed tokens are refused without throwing", async () => {
    const c = await create("app");
    expect(auth.verifyToken(undefined)).toEqual({ ok: false, reason: "missing token" });
    expect(auth.verifyToken("")).toEqual({ ok: false, reason: "missing token" });
    const wrongHex = c.token.slice(0, -1) + (c.token.endsWith("0") ? "1" : "0");
    for (const t of [
      wrongHex,
      "app:b:intended-wrong-value",
      "other:b:" + "0".repeat(64),
      "garbage",
      c.token + " ",
      c.token.toUpperCase(),
      "\u0000",
    ]) {
      expect(auth.verifyToken(t)).toEqual({ ok: false, reason: "invalid token" });
    }
  });

  test("a token of another client with the id part swapped is refused", async () => {
    const a = await create("a");
    await create("b");
    expect(auth.verifyToken("b" + a.token.slice(1))).toEqual({ ok: false, reason: "invalid token" });
  });

  test("a deleted key's token fails on the next call", async () => {
    const c = await create("gone");
    expect(auth.verifyToken(c.token).ok).toBe(true);
    reg.delete("gone");
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "invalid token" });
  });

  test("a revoked key's token fails as revoked, at once although it was verified (and cached) before", async () => {
    const c = await create("rev");
    expect(auth.verifyToken(c.token).ok).toBe(true);
    expect(auth.verifyToken(c.token).ok).toBe(true);
    reg.revoke("rev");
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "key revoked" });
  });

  test("after rotation the old token fails and the new one works", async () => {
    const old = await create("rot");
    expect(auth.verifyToken(old.token).ok).toBe(true);
    const fresh = await reg.rotate("rot", pki, { notBefore: new Date(clock) });
    expect(auth.verifyToken(old.token)).toEqual({ ok: false, reason: "invalid token" });
    expect(auth.verifyToken(fresh.token)).toMatchObject({ ok: true, clientId: "rot" });
  });

  test("a token works from not-before up to but not including not-after", async () => {
    const c = await create("exp", 1, 1000);
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "token not yet valid" });
    clock += 1000;
    expect(auth.verifyToken(c.token).ok).toBe(true);
    clock = c.record.notAfter - 1;
    expect(auth.verifyToken(c.token).ok).toBe(true);
    clock = c.record.notAfter;
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "token expired" });
  });

  test("a check alone records nothing; markUsed records last use", async () => {
    const c = await create("used");
    auth.verifyToken(c.token);
    expect(reg.get("used")?.lastUsedAt ?? null).toBeNull();
    auth.markUsed("used");
    expect(reg.get("used")?.lastUsedAt).toBeNumber();
  });

  test("a cached token sees a scope change and a revocation by another registry connection at once", async () => {
    const c = await create("cached");
    const cli = openRegistry(data);
    regs.push(cli);
    expect(auth.verifyToken(c.token)).toMatchObject({ ok: true, scopes: c.record.scopes });
    cli.updateScopes("cached", () => ["topics:subscribe:a/#"]);
    expect(auth.verifyToken(c.token)).toMatchObject({ ok: true, scopes: ["topics:subscribe:a/#"] });
    expect(auth.verifyToken(c.token)).toMatchObject({ ok: true, scopes: ["topics:subscribe:a/#"] });
    cli.revoke("cached");
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "key revoked" });
  });

  test("a cached token is refused at once when its domain is disabled (the domains' own connection writes)", async () => {
    const domains = openDomains(data);
    const d = domains.create({ name: "site", route: "site" }, "test");
    const c = await reg.create({
      id: "in-domain",
      keyType: "ec",
      pki,
      domainId: d.id,
      notBefore: new Date(clock),
      notAfter: new Date(clock + DAY),
    });
    expect(auth.verifyToken(c.token)).toMatchObject({ ok: true, domainId: d.id });
    expect(auth.verifyToken(c.token).ok).toBe(true);
    domains.setStatus(d.id, "disabled", "test");
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "domain disabled" });
  });

  test("a cached token still expires on time", async () => {
    const c = await create("ttl", 1);
    expect(auth.verifyToken(c.token).ok).toBe(true);
    clock = c.record.notAfter;
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "token expired" });
  });

  test("a key deleted by another registry connection is refused at once", async () => {
    const c = await create("shared");
    const cli = openRegistry(data);
    regs.push(cli);
    expect(auth.verifyToken(c.token).ok).toBe(true);
    cli.delete("shared");
    expect(auth.verifyToken(c.token)).toEqual({ ok: false, reason: "invalid token" });
  });
});

describe("verifyCert", () => {
  test("a registered certificate authenticates its client, with or without colons in the fingerprint", async () => {
    const c = await create("dev");
    expect(auth.verifyCert(peer(c))).toMatchObject({ ok: true, clientId: "dev", expiresAt: c.record.notAfter });
    expect(auth.verifyCert({ cn: "dev", fingerprint256: c.record.certFingerprint }).ok).toBe(true);
  });

  test("a certificate whose CN is another client's id is refused", async () => {
    const a = await create("a");
    await create("b");
    expect(auth.verifyCert({ ...peer(a), cn: "b" })).toEqual({ ok: false, reason: "unknown certificate" });
  });

  test("deleted, revoked, rotated-away and expired certificates are refused", async () => {
    const d = await create("d");
    reg.delete("d");
    expect(auth.verifyCert(peer(d))).toEqual({ ok: false, reason: "unknown certificate" });
    const r = await create("r");
    reg.revoke("r");
    expect(auth.verifyCert(peer(r))).toEqual({ ok: false, reason: "key revoked" });
    const o = await create("o");
    const n = await reg.rotate("o", pki, { notBefore: new Date(clock) });
    expect(auth.verifyCert(peer(o))).toEqual({ ok: false, reason: "unknown certificate" });
    expect(auth.verifyCert(peer(n)).ok).toBe(true);
    const e = await create("e", 1);
    clock += 2 * DAY;
    expect(auth.verifyCert(peer(e))).toEqual({ ok: false, reason: "certificate expired" });
  });

  test("a certificate from another CA with a registered client's CN is refused", async () => {
    await create("dev");
    const foreign = await (await loadOrCreatePki(join(data, "other"), { hosts: [] })).issueClientCert({
      clientId: "dev",
      keyType: "ec",
      notBefore: new Date(clock),
      notAfter: new Date(clock + DAY),
    });
    expect(auth.verifyCert({ cn: "dev", fingerprint256: foreign.fingerprint256 })).toEqual({
      ok: false,
      reason: "unknown certificate",
    });
  });
});

describe("live sessions: current()", () => {
  test("current() turns dead on delete, revoke, rotation and expiry", async () => {
    const names = ["del", "rev", "rot", "exp"];
    const refs = new Map<string, CredentialRef>();
    for (const n of names) {
      const c = await create(n, n === "exp" ? 1 : 365);
      const o = auth.identify({ token: c.token, allowAnonymous: false });
      if (!o.ok) throw new Error(o.reason);
      refs.set(n, o.principal.ref);
      expect(auth.current(o.principal.ref).ok).toBe(true);
    }
    reg.delete("del");
    reg.revoke("rev");
    await reg.rotate("rot", pki);
    clock += DAY;
    for (const n of names) expect(auth.current(refs.get(n)!).ok).toBe(false);
  });

  test("a change by another connection is seen at once", async () => {
    const c = await create("x");
    const o = auth.identify({ token: c.token, allowAnonymous: false });
    if (!o.ok) throw new Error(o.reason);
    const cli = openRegistry(data);
    regs.push(cli);
    cli.delete("x");
    const now = auth.current(o.principal.ref);
    expect(now.ok ? "ok" : now.kind).toBe("revoked");
  });
});

describe("authorization with the all-access set", () => {
  const all = makePrincipal("a", "client", ALL_ACCESS_SCOPES);
  test("publishing to $SYS is denied, other $ topics need their own scope, everything else is allowed", () => {
    expect(authorize(all, "topics:publish", "$SYS/broker/uptime").allow).toBe(false);
    expect(authorize(all, "topics:publish", "$SYS").allow).toBe(false);
    expect(authorize(all, "topics:publish", "db/write/EXAMPLE").allow).toBe(true);
    expect(authorize(all, "topics:publish", "$SYSX/y").allow).toBe(false); // # never reaches $ topics
    expect(authorize(all, "topics:publish", "a/$SYS").allow).toBe(true);
  });

  test("any subscription is allowed, $SYS statistics included", () => {
    expect(authorize(all, "topics:subscribe", "#").allow).toBe(true);
    expect(authorize(all, "topics:subscribe", "$SYS/#").allow).toBe(true);
  });
});
