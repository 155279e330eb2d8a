// The MQTT-TLS (client certificates required) + HTTPS (optional) gateway shared by
// tls-mqtt.test.ts and tls-https.test.ts, and the certificate helpers every TLS test uses:
// a foreign CA and a self-signed certificate made with openssl, config files, close events.
import { afterAll, beforeAll, expect } from "bun:test";
import { join } from "node:path";
import type mqtt from "mqtt";
import { cleanup, genKey, neo, ROOT, run, startServer, tempDir, type Server } from "./harness.ts";

export type Key = Awaited<ReturnType<typeof genKey>>;
export const ROW = (name: string, i = 0) => `[ "${name}", ${1675851592000000000n + BigInt(i)}, 3.1415]`;

export async function mustRun(cmd: string[], opts: { cwd?: string } = {}) {
  const r = await run(cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r;
}

/** `n` distinct free ports: all are held until every one is picked, so no port comes twice */
export async function freePorts(n: number): Promise<number[]> {
  const held = Array.from({ length: n }, () => Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
  const ports = held.map((l) => l.port);
  for (const l of held) l.stop(true);
  return ports;
}

/** a foreign openssl CA with a client cert for `cn`, and a self-signed cert for `cn` */
export async function foreignCerts(dir: string, cn: string) {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const f = (n: string) => join(dir, n);
  const steps = [
    [
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("fca.key"),
      "-out",
      f("fca.crt"),
      "-days",
      "2",
      "-subj",
      "/CN=foreign-ca",
    ],
    ["openssl", "req", ...ec, "-keyout", f("foreign.key"), "-out", f("foreign.csr"), "-subj", `/CN=${cn}`],
    [
      "openssl",
      "x509",
      "-req",
      "-in",
      f("foreign.csr"),
      "-CA",
      f("fca.crt"),
      "-CAkey",
      f("fca.key"),
      "-CAcreateserial",
      "-out",
      f("foreign.crt"),
      "-days",
      "2",
    ],
    [
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("self.key"),
      "-out",
      f("self.crt"),
      "-days",
      "2",
      "-subj",
      `/CN=${cn}`,
    ],
  ];
  for (const s of steps) {
    const r = await run(s);
    if (r.code !== 0) throw new Error(`${s.join(" ")}: ${r.stderr}`);
  }
  return {
    foreign: { cert: f("foreign.crt"), key: f("foreign.key") },
    self: { cert: f("self.crt"), key: f("self.key") },
  };
}

export async function writeConf(dir: string, text: string): Promise<string> {
  const p = join(dir, "neo.conf");
  await Bun.write(p, text);
  return p;
}

export function closedWithin(c: mqtt.MqttClient): Promise<number> {
  return new Promise((resolve) => c.on("close", () => resolve(Date.now())));
}

/** The gateway for the certificate matrix: its state and the calls the tests make. */
export function useTlsMatrix() {
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;
  let other: Key;
  let bad: Awaited<ReturnType<typeof foreignCerts>>;

  beforeAll(async () => {
    dir = tempDir("neo-tls-");
    const conf = await writeConf(
      dir,
      'Http {\n  EnableTokenAuth = true\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
    );
    srv = await startServer(["--config", conf, "--mqtt-enable-tls", "true"]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    [app, other, bad] = await Promise.all([
      genKey(srv.data, "tls-app01"),
      genKey(srv.data, "tls-other"),
      foreignCerts(dir, "tls-app01"),
    ]);
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const pub = (args: string[], id = "tls-app01") =>
    run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "--cafile",
        ca,
        "--id",
        id,
        "-q",
        "1",
        "-t",
        "db/append/TLSX",
        ...args,
      ],
      { timeoutMs: 10000 },
    );
  const withCert = (k: { cert: string; key: string }) => ["--cert", k.cert, "--key", k.key];

  const https = (path: string, init: RequestInit & { cert?: { cert: string; key: string } } = {}) =>
    fetch(`${srv.httpUrl}${path}`, {
      ...init,
      tls: { ca: Bun.file(ca), ...(init.cert ? { cert: Bun.file(init.cert.cert), key: Bun.file(init.cert.key) } : {}) },
    } as RequestInit);
  const count = async (): Promise<number> => {
    const r = await https(`/db/query?q=${encodeURIComponent("select count(*) from TLSX")}`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    const j = (await r.json()) as { success: boolean; data?: { rows: number[][] } };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0; // the table appears with the first row
  };
  /** run a refused attempt and prove it wrote nothing */
  async function unchanged(fn: () => Promise<void>): Promise<void> {
    const before = await count();
    await fn();
    expect(await count()).toBe(before);
  }
  const refusedPub = async (args: string[], id?: string, text = "") => {
    await unchanged(async () => {
      const r = await pub(args, id);
      expect(r.code).not.toBe(0);
      if (text) expect(r.stderr + r.stdout).toContain(text);
    });
  };
  return {
    state: () => ({ srv, dir, ca, app, other, bad }),
    pub,
    withCert,
    https,
    count,
    unchanged,
    refusedPub,
  };
}

/**
 * MQTT TLS requiring certificates and HTTPS taking optional ones (token auth on HTTP),
 * listening on 127.0.0.2, not a default SAN, so every client also checks the server SANs.
 */
export function useTlsOnHost() {
  const HOST = "127.0.0.2";
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;

  beforeAll(async () => {
    dir = tempDir("neo-tlss-");
    const conf = join(dir, "neo.conf");
    await Bun.write(
      conf,
      'Http {\n  EnableTokenAuth = true\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\nMqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\n',
    );
    srv = await startServer(["--host", HOST, "--http-port", "0", "--mqtt-port", "0", "--config", conf], {
      noPortFlags: true,
    });
    ca = join(dir, "neo.crt");
    await mustRun([
      process.execPath,
      join(ROOT, "src/main.ts"),
      "shell",
      "key",
      "server-cert",
      "--output",
      ca,
      "--data",
      srv.data,
    ]);
    app = await genKey(srv.data, "sc-app");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const pub = (k: { cert: string; key: string }, id: string, msg: string, extra: string[] = []) =>
    run(
      [
        "mosquitto_pub",
        "-h",
        HOST,
        "-p",
        String(srv.mqttPort),
        "--cafile",
        ca,
        "--id",
        id,
        "--cert",
        k.cert,
        "--key",
        k.key,
        "-q",
        "1",
        "-t",
        "db/append/SCN",
        "-m",
        msg,
        ...extra,
      ],
      { timeoutMs: 10000 },
    );
  const curl = (k: { cert: string; key: string } | null, path: string, extra: string[] = []) =>
    run([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      "--cacert",
      ca,
      ...(k ? ["--cert", k.cert, "--key", k.key] : []),
      ...extra,
      `${srv.httpUrl}${path}`,
    ]);
  const count = async (): Promise<number> => {
    const r = await curl(app, `/db/query?q=${encodeURIComponent("select count(*) from SCN")}`);
    const j = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("\n"))) as {
      success: boolean;
      data?: { rows: number[][] };
    };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0;
  };
  async function unchanged(fn: () => Promise<void>): Promise<void> {
    const before = await count();
    await fn();
    expect(await count()).toBe(before);
  }
  const caText = () => Bun.file(ca).text();
  const pemOf = async (k: { cert: string; key: string }) => ({
    cert: await Bun.file(k.cert).text(),
    key: await Bun.file(k.key).text(),
  });

  return { HOST, state: () => ({ srv, dir, ca, app }), pub, curl, count, unchanged, caText, pemOf };
}
