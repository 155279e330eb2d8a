// TLS listener with client certificates, against a throwaway CA made by openssl.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "./broker.ts";
import type { ConnectRequest } from "./hooks.ts";
import type { Listening } from "./listeners.ts";
import { allowAll } from "./test-support.ts";

let dir = "";
const f = (n: string) => join(dir, n);

function sh(args: string[]): void {
  const r = Bun.spawnSync(args, { cwd: dir, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.toString()}`);
}
function makeCa(name: string): void {
  sh([
    "openssl",
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    f(`${name}.key`),
    "-out",
    f(`${name}.crt`),
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
}
function issue(ca: string, name: string, cn: string, ext: string): void {
  sh([
    "openssl",
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    f(`${name}.key`),
    "-out",
    f(`${name}.csr`),
    "-subj",
    `/CN=${cn}`,
  ]);
  Bun.spawnSync(["sh", "-c", `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
  sh([
    "openssl",
    "x509",
    "-req",
    "-in",
    f(`${name}.csr`),
    "-CA",
    f(`${ca}.crt`),
    "-CAkey",
    f(`${ca}.key`),
    "-CAcreateserial",
    "-out",
    f(`${name}.crt`),
    "-days",
    "2",
    "-extfile",
    f(`${name}.ext`),
  ]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-mqtt-tls-"));
  makeCa("ca");
  makeCa("evil");
  issue("ca", "server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost");
  issue("ca", "client", "device-1", "extendedKeyUsage=clientAuth");
  issue("evil", "foreign", "device-1", "extendedKeyUsage=clientAuth");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let broker: Broker | null = null;
let listening: Listening | null = null;
afterEach(async () => {
  await broker?.close();
  listening?.stop();
  broker = listening = null;
});

async function start(requestCert: boolean, rejectUnauthorized: boolean): Promise<ConnectRequest[]> {
  const seen: ConnectRequest[] = [];
  broker = new Broker({
    hooks: {
      ...allowAll,
      authenticate: (r) => {
        seen.push(r);
        return { ok: true };
      },
    },
    sysIntervalMs: 0,
  });
  listening = await broker.listen({
    host: "127.0.0.1",
    port: 0,
    tls: {
      cert: f("server.crt"),
      key: await Bun.file(f("server.key")).text(),
      ca: f("ca.crt"),
      requestCert,
      rejectUnauthorized,
    },
  });
  return seen;
}

async function pub(extra: string[]): Promise<number> {
  const p = Bun.spawn(
    [
      "mosquitto_pub",
      "-h",
      "127.0.0.1",
      "-p",
      String(listening!.port),
      "--cafile",
      f("ca.crt"),
      "-t",
      "t",
      "-m",
      "x",
      "-q",
      "1",
      "-i",
      "device-1",
      ...extra,
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  return p.exited;
}
const withCert = (name: string) => ["--cert", f(`${name}.crt`), "--key", f(`${name}.key`)];

test("a client certificate from the CA connects and its CN and fingerprint reach the authenticate hook", async () => {
  const seen = await start(true, true);
  expect(listening!.transport).toBe("tls");
  expect(await pub(withCert("client"))).toBe(0);
  const fp = Bun.spawnSync([
    "openssl",
    "x509",
    "-in",
    f("client.crt"),
    "-noout",
    "-fingerprint",
    "-sha256",
  ]).stdout.toString();
  const want = fp.split("=")[1]!.trim().replaceAll(":", "").toLowerCase();
  expect(seen).toHaveLength(1);
  expect(seen[0]!.peer.transport).toBe("tls");
  expect(seen[0]!.peer.cert?.cn).toBe("device-1");
  expect(seen[0]!.peer.cert?.fingerprint256).toBe(want);
  expect(seen[0]!.peer.cert!.validTo.getTime()).toBeGreaterThan(Date.now());
});

test("with required client certificates, no certificate or a foreign-CA certificate never reaches MQTT", async () => {
  const seen = await start(true, true);
  expect(await pub([])).not.toBe(0);
  expect(await pub(withCert("foreign"))).not.toBe(0);
  expect(seen).toHaveLength(0);
  expect(await pub(withCert("client"))).toBe(0); // still serving
});

test("with optional client certificates, a client without one connects but a foreign one is refused", async () => {
  const seen = await start(true, false);
  expect(await pub([])).toBe(0);
  expect(seen[0]?.peer.cert).toBeUndefined();
  expect(await pub(withCert("foreign"))).not.toBe(0);
  expect(seen).toHaveLength(1);
  expect(await pub(withCert("client"))).toBe(0);
  expect(seen[1]?.peer.cert?.cn).toBe("device-1");
});

test("plain TLS without client certificates carries MQTT", async () => {
  const seen = await start(false, false);
  expect(await pub([])).toBe(0);
  const peer = seen[0]?.peer;
  expect([peer?.transport, peer?.remoteAddress, peer?.listener, peer?.cert]).toEqual([
    "tls",
    "127.0.0.1",
    undefined,
    undefined,
  ]);
});
