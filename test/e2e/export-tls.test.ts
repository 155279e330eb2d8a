// Export over TLS to a real PostgreSQL (ssl = on, a certificate from openssl for
// 127.0.0.1): Tls { Mode = "verify-full", CaFile } connects and the session is encrypted;
// a CA that did not sign the server's certificate is refused and the rows wait.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, eventually, neo, run, type Server, startServer, tempDir } from "./harness.ts";
import { needPostgres, type Postgres, startPostgres } from "./postgres.ts";

describe.skipIf(needPostgres.skip)("Export to PostgreSQL over TLS", () => {
  let pg: Postgres;
  const dir = tempDir("neo-export-tls-");
  const servers: Server[] = [];

  const openssl = async (...args: string[]) => {
    const r = await run(["openssl", ...args]);
    if (r.code !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  const gateway = async (name: string, ca: string) => {
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      `Export "central" {\n  Postgres = "${pg.url}"\n  Tables = ["T"]\n  Gateway = "${name}"\n  Tls {\n    Mode = "verify-full"\n    CaFile = "${ca}"\n  }\n}\n`,
    );
    const srv = await startServer(["--config", conf], { data: join(dir, name) });
    servers.push(srv);
    const w = await fetch(`${srv.httpUrl}/db/write/T`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "a,1700000000000000000,1\n",
    });
    expect(w.status).toBe(200);
    return { srv, conf };
  };

  beforeAll(async () => {
    needPostgres.check();
    for (const n of ["ca", "other"])
      await openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        `/CN=${n}`,
        "-keyout",
        join(dir, `${n}.key`),
        "-out",
        join(dir, `${n}.crt`),
      );
    await openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      join(dir, "server.key"),
      "-out",
      join(dir, "server.csr"),
    );
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    await openssl(
      "x509",
      "-req",
      "-in",
      join(dir, "server.csr"),
      "-CA",
      join(dir, "ca.crt"),
      "-CAkey",
      join(dir, "ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      join(dir, "san.ext"),
      "-out",
      join(dir, "server.crt"),
    );
    pg = await startPostgres({
      tls: { cert: readFileSync(join(dir, "server.crt"), "utf8"), key: readFileSync(join(dir, "server.key"), "utf8") },
    });
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await s.stop("SIGKILL");
    await pg?.destroy();
    cleanup(dir);
  });

  test("verify-full with the right CA: the row arrives over an encrypted session", async () => {
    await gateway("gw-tls", join(dir, "ca.crt"));
    const rows = () => pg.sql()`SELECT gateway FROM t`.then((r) => [...r]).catch(() => []);
    await eventually(async () => (await rows()).length === 1, 20_000);
    const [enc] = await pg.sql()`SELECT count(*) AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
      WHERE s.ssl AND a.datname = 'postgres'`;
    expect(Number(enc.n)).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test("a CA that did not sign the server: refused, the rows wait, neo export status says why", async () => {
    const { srv, conf } = await gateway("gw-wrong-ca", join(dir, "other.crt"));
    let s: { connected: boolean; lastError: string | null; queuedEntries: number } | undefined;
    await eventually(async () => {
      const st = await neo(["export", "status", "--json", "--data", srv.data, "--config", conf]);
      s = JSON.parse(st.stdout)[0];
      return s && s.lastError !== null;
    }, 20_000);
    expect(s?.connected).toBe(false);
    expect(s?.queuedEntries).toBe(1);
    expect(s?.lastError ?? "").toMatch(/certificate|self.signed|verify|issuer/i);
    const [n] = await pg.sql()`SELECT count(*) AS n FROM t WHERE gateway = 'gw-wrong-ca'`;
    expect(Number(n.n)).toBe(0);
  }, 60_000);
});
