import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki } from "../pki/index.ts";
import { openDomains, openRegistry } from "../registry/index.ts";
import { createAuth } from "./index.ts";

setLogLevel("error");
const DAY = 86_400_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a company CA's certificate names its client in the client's own domain, with the CA and serial for current()", async () => {
  const data = mkdtempSync(join(tmpdir(), "neo-trusted-"));
  dirs.push(data);
  const pki = await loadOrCreatePki(data, { hosts: [] });
  const reg = openRegistry(data);
  const clock = Date.now();
  const domains = openDomains(data);
  const d = domains.create({ name: "plant", route: "plant" }, "test");
  await reg.create({
    id: "via-ca",
    keyType: "ec",
    pki,
    domainId: d.id,
    notBefore: new Date(clock),
    notAfter: new Date(clock + DAY),
  });
  const ca = { name: "acme", file: "ca.pem", identity: "cn" as const, policy: "ca" as const, certs: [] };
  const info = {
    ca,
    id: "via-ca",
    cn: "via-ca",
    subject: "CN=via-ca",
    serial: "ab",
    notBefore: 0,
    notAfter: 1,
    revoked: false,
  };
  const trusted = createAuth({
    registry: reg,
    now: () => clock,
    trust: () => ({ cas: [ca], pem: [], inspect: () => info, revoked: () => false, watch: () => () => {} }),
  });
  expect(trusted.verifyCert({ cn: "via-ca", fingerprint256: "ff".repeat(32), der: new Uint8Array([1]) })).toMatchObject(
    {
      ok: true,
      clientId: "via-ca",
      domainId: d.id,
      trusted: { ca: "acme", serial: "ab" },
    },
  );
  reg.close();
});
