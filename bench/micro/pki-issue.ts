// Issuance cost: `bun bench/micro/pki-issue.ts [n]` prints the median ECDSA P-256 and
// RSA-2048 key + client certificate time over n runs (default 20).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreatePki } from "../../src/pki/index.ts";
import type { KeyType } from "../../src/pki/types.ts";

const n = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(join(tmpdir(), "neo-pki-bench-"));
try {
  const pki = await loadOrCreatePki(dir, { hosts: [] });
  for (const keyType of ["ec", "rsa"] as KeyType[]) {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await pki.issueClientCert({
        clientId: `bench-${i}`,
        keyType,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
      });
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const med = (ms[Math.floor((n - 1) / 2)]! + ms[Math.ceil((n - 1) / 2)]!) / 2;
    console.log(
      `${keyType}: median ${med.toFixed(2)} ms, min ${ms[0]!.toFixed(2)}, max ${ms[n - 1]!.toFixed(2)} (n=${n})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
