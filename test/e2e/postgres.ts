// A real PostgreSQL (Debian's `postgresql` package) for the export tests and benchmarks:
// initdb into a temp dir, postgres on a free loopback port, stopped by its PID. Run as
// root (CI), the server runs as `nobody` (postgres refuses root).
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL, type Subprocess } from "bun";
import { requires, type Requirement } from "./requires.ts";

const BASE = "/usr/lib/postgresql";

function binDir(): string | undefined {
  if (!existsSync(BASE)) return undefined;
  const v = readdirSync(BASE)
    .filter((d) => existsSync(join(BASE, d, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v === undefined ? undefined : join(BASE, v, "bin");
}

export const needPostgres: Requirement = requires(
  "PostgreSQL",
  binDir() ? undefined : `no ${BASE}/<version>/bin/postgres`,
  "apt-get install postgresql (scripts/setup.sh --test)",
);

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export interface Postgres {
  readonly url: string;
  readonly port: number;
  /** the running server's pid (undefined while stopped) */
  pid(): number | undefined;
  /** start again on the same port and data (after stop) */
  start(): Promise<void>;
  /** stop the server: SIGINT (fast shutdown), or SIGKILL */
  stop(signal?: "SIGINT" | "SIGKILL"): Promise<void>;
  /** a client for checking what arrived */
  sql(): SQL;
  /** stop for good and remove the data */
  destroy(): Promise<void>;
}

/** `tls`: PEM certificate and key for the server (ssl = on; plain connections still work) */
export async function startPostgres(opts: { tls?: { cert: string; key: string } } = {}): Promise<Postgres> {
  needPostgres.check();
  const bin = binDir() as string;
  const dir = mkdtempSync(join(tmpdir(), "neo-pg-"));
  const data = join(dir, "data");
  const root = process.getuid?.() === 0;
  if (root) chownSync(dir, 65534, 65534);
  const as = root ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  const init = Bun.spawnSync(
    [...as, join(bin, "initdb"), "-D", data, "-U", "neo", "--auth=trust", "-E", "UTF8", "--no-sync"],
    {
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`);
  const ssl: string[] = [];
  if (opts.tls) {
    const cert = join(dir, "server.crt");
    const key = join(dir, "server.key");
    writeFileSync(cert, opts.tls.cert);
    writeFileSync(key, opts.tls.key, { mode: 0o600 });
    if (root) for (const f of [cert, key]) chownSync(f, 65534, 65534);
    ssl.push("-c", "ssl=on", "-c", `ssl_cert_file=${cert}`, "-c", `ssl_key_file=${key}`);
  }
  const port = await freePort();
  const url = `postgres://neo@127.0.0.1:${port}/postgres`;
  let proc: Subprocess | undefined;
  let client: SQL | undefined;

  async function start(): Promise<void> {
    proc = Bun.spawn(
      [
        ...as,
        join(bin, "postgres"),
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        ...ssl,
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    for (let i = 0; i < 200; i++) {
      const probe = new SQL(url, { max: 1, connectionTimeout: 1 });
      try {
        await probe`SELECT 1`;
        return;
      } catch {
        await Bun.sleep(50);
      } finally {
        await probe.close({ timeout: 0 });
      }
    }
    throw new Error("postgres did not start");
  }
  await start();
  const pg: Postgres = {
    url,
    port,
    pid: () => (proc && proc.exitCode === null ? proc.pid : undefined),
    start,
    async stop(signal = "SIGINT") {
      await client?.close({ timeout: 0 });
      client = undefined;
      if (!proc || proc.exitCode !== null) return;
      proc.kill(signal);
      await proc.exited;
      // after SIGKILL of the postmaster its backends end on their own; wait until the port is free
      if (signal === "SIGKILL") await Bun.sleep(500);
    },
    sql: () => (client ??= new SQL(url, { max: 2 })),
    async destroy() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pg;
}
