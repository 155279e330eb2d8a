// `bun bench/https-front.ts [seconds=3] [concurrency=32]`: what the HTTPS client-
// certificate front (src/lib/tls-front.ts) costs. neo's real HTTP server answers
// GET /health in a child process in four modes; this process drives it with keep-alive
// requests (C concurrent loops for S seconds each, client certificate sent in all TLS
// modes), then with a new TLS connection per request (full handshakes).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { NeoConfig } from "../src/config/index.ts";

type Mode = "http" | "https" | "https-enforce" | "front";
const MODES: Mode[] = ["http", "https", "https-enforce", "front"];
const LABEL: Record<Mode, string> = {
  http: "plain HTTP (Bun.serve)",
  https: "HTTPS, no client cert (Bun.serve tls)",
  "https-enforce": "HTTPS, Bun.serve enforces client cert (cannot see it)",
  front: "HTTPS via TLS front, cert visible to handler (neo ClientAuth=require)",
};

async function serve(mode: Mode, dir: string): Promise<void> {
  const { loadOrCreatePki } = await import("../src/pki/index.ts");
  const { openSeriesStore } = await import("../src/storage/index.ts");
  const { createHttpServer } = await import("../src/http/index.ts");
  const { setLogLevel } = await import("../src/lib/log.ts");
  setLogLevel("error");
  const pki = await loadOrCreatePki(dir, { hosts: ["127.0.0.1"] });
  const { testConfig } = await import("../src/http/test-support.ts");
  const config: NeoConfig = testConfig(dir, false);
  config.http.tls = { enabled: mode !== "http", clientAuth: mode === "front" ? "require" : "none" };
  const tls =
    mode === "http"
      ? undefined
      : {
          cert: pki.serverCertPem,
          key: pki.serverKeyPem,
          ca: pki.caCertPem,
          clientAuth: mode === "front" ? ("require" as const) : ("none" as const),
        };
  const store = openSeriesStore(dir);
  if (mode === "https-enforce") {
    // what Bun.serve alone can do: verify the chain, but the handler never learns who it was
    const s = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: {
        cert: pki.serverCertPem,
        key: pki.serverKeyPem,
        ca: pki.caCertPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      fetch: () => Response.json({ success: true, reason: "ok" }),
    });
    console.log(JSON.stringify({ url: `https://127.0.0.1:${s.port}` }));
    return;
  }
  const { createQueryService } = await import("../src/query/index.ts");
  const { createLogger } = await import("../src/lib/log.ts");
  const h = createHttpServer({
    config,
    store,
    queries: createQueryService(store.file, config.query, createLogger("query")),
    auth: { identify: () => ({ ok: false, kind: "guess", form: "token", reason: "invalid token" }) },
    ...(tls ? { tls } : {}),
  });
  console.log(JSON.stringify({ url: h.url }));
}

async function drive(
  url: string,
  tlsOpts: object | undefined,
  seconds: number,
  conc: number,
  fresh: boolean,
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  let errors = 0;
  const init = {
    ...(tlsOpts ? { tls: tlsOpts } : {}),
    ...(fresh ? { headers: { connection: "close" }, keepalive: false } : {}),
  } as RequestInit;
  const lane = async () => {
    while (performance.now() < end) {
      try {
        const r = await fetch(`${url}/health`, init);
        await r.arrayBuffer();
        if (r.ok) n++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, lane));
  if (errors > 0) console.error(`  ${errors} failed requests`);
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const [, , a1, a2, a3] = process.argv;
  if (a1 === "--serve") return serve(a2 as Mode, a3 ?? "");
  const seconds = Number(a1 ?? 3);
  const conc = Number(a2 ?? 32);
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-front-"));
  const { loadOrCreatePki } = await import("../src/pki/index.ts");
  const pki = await loadOrCreatePki(dir, { hosts: ["127.0.0.1"] });
  const c = await pki.issueClientCert({
    clientId: "bench",
    keyType: "ec",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
  });
  console.log(
    `bun ${Bun.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), ${seconds} s per cell, ${conc} concurrent, client and server on this host`,
  );
  console.log("| mode | keep-alive req/s | new TLS connection per request, req/s |");
  console.log("|---|---|---|");
  for (const mode of MODES) {
    const child = Bun.spawn([process.execPath, import.meta.path, "--serve", mode, dir], {
      stdout: "pipe",
      stderr: "inherit",
    });
    try {
      const reader = child.stdout.getReader();
      const { value } = await reader.read();
      const { url } = JSON.parse(new TextDecoder().decode(value).split("\n")[0] ?? "{}") as { url: string };
      const tlsOpts = mode === "http" ? undefined : { ca: pki.caCertPem, cert: c.certPem, key: c.keyPem };
      await drive(url, tlsOpts, 0.5, conc, false); // warm-up
      const ka = await drive(url, tlsOpts, seconds, conc, false);
      const fresh = await drive(url, tlsOpts, seconds, Math.min(conc, 8), true);
      console.log(`| ${LABEL[mode]} | ${Math.round(ka)} | ${Math.round(fresh)} |`);
    } finally {
      child.kill();
      await child.exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
