// Cost of authentication against a real registry file: `bun bench/micro/auth-cost.ts`.
// Prints verifyToken/verifyCert calls per second and the cost of current() (the live re-check)
// over every session after another process wrote to the registry.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../../src/lib/log.ts";
import { loadOrCreatePki } from "../../src/pki/index.ts";
import { openRegistry } from "../../src/registry/index.ts";
import { createAuth, type CredentialRef } from "../../src/auth/index.ts";

setLogLevel("warn");
const dir = mkdtempSync(join(tmpdir(), "neo-auth-bench-"));
const registry = openRegistry(dir);
try {
  const pki = await loadOrCreatePki(dir, { hosts: [] });
  const auth = createAuth({ registry });
  const clients = 1000;
  const tokens: string[] = [];
  const sessions: { clientId: string; fingerprint256: string }[] = [];
  const refs: CredentialRef[] = [];
  for (let i = 0; i < clients; i++) {
    const c = await registry.create({
      id: `dev-${i}`,
      keyType: "ec",
      pki,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    tokens.push(c.token);
    sessions.push({ clientId: c.record.id, fingerprint256: c.record.certFingerprint });
    refs.push({ kind: "client", id: c.record.id, form: "token", generation: c.record.certFingerprint });
  }
  const rate = (label: string, n: number, fn: (i: number) => void) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    const ms = performance.now() - t0;
    console.log(
      `${label}: ${Math.round((n / ms) * 1000).toLocaleString("en")} /s (${((ms * 1000) / n).toFixed(2)} µs each)`,
    );
  };
  rate("verifyToken (valid)", 100_000, (i) => {
    if (!auth.verifyToken(tokens[i % clients]!).ok) throw new Error("refused");
  });
  rate("verifyToken (wrong secret)", 100_000, (i) => {
    if (auth.verifyToken(tokens[i % clients]!.slice(0, -4) + "0000").ok) throw new Error("accepted");
  });
  rate("verifyCert", 100_000, (i) => {
    if (
      !auth.verifyCert({ cn: sessions[i % clients]!.clientId, fingerprint256: sessions[i % clients]!.fingerprint256 })
        .ok
    )
      throw new Error("refused");
  });
  const other = openRegistry(dir);
  rate(`current() of ${clients} sessions, after another process wrote`, 100, (i) => {
    other.touch(`dev-${i}`); // any commit by another connection makes the re-check ask every session
    for (const r of refs) if (!auth.current(r).ok) throw new Error("dead");
  });
  other.close();
} finally {
  registry.close();
  rmSync(dir, { recursive: true, force: true });
}
