// The PKI's files work for real TLS: the server certificate verifies for loopback names
// without --insecure, and a client certificate is seen with our fingerprint.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki, normalizeFingerprint, type IssuedCert, type Pki } from "./index.ts";

setLogLevel("error");
interface Peer {
  authorized: boolean;
  error?: string;
  fingerprint?: string;
  cn?: string;
}

let dir: string;
let pki: Pki;
let client: IssuedCert;
let server: TCPSocketListener<undefined>;
let onPeer: ((p: Peer) => void) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "neo-tls-"));
  pki = await loadOrCreatePki(dir, { hosts: ["127.0.0.1"] });
  client = await pki.issueClientCert({
    clientId: "dev1",
    keyType: "ec",
    notBefore: new Date(Date.now() - 1000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  writeFileSync(join(dir, "dev1_cert.pem"), client.certPem);
  writeFileSync(join(dir, "dev1_key.pem"), client.keyPem, { mode: 0o600 });
  server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    tls: {
      cert: pki.serverCertPem,
      key: pki.serverKeyPem,
      ca: pki.caCertPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    socket: {
      handshake(s: Socket<undefined>, success: boolean, err: Error | null) {
        const p: Peer = { authorized: success && !err && s.authorized };
        if (err) p.error = (err as { code?: string }).code ?? err.message;
        if (p.authorized) {
          const c = s.getPeerCertificate();
          p.fingerprint = normalizeFingerprint(c.fingerprint256);
          p.cn = String(c.subject.CN);
          s.write("hello\n");
          s.end();
        } else s.terminate();
        onPeer?.(p);
      },
      data() {},
    },
  });
});
afterAll(() => {
  server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the server's view of the next handshake. */
function nextPeer(): Promise<Peer> {
  return new Promise<Peer>((resolve) => (onPeer = resolve));
}

async function sClient(extra: string[]) {
  const ca = join(dir, "pki", "ca_cert.pem");
  const p = Bun.spawn(
    // -ign_eof: wait for the server to close instead of leaving at stdin's EOF
    [
      "openssl",
      "s_client",
      "-connect",
      `127.0.0.1:${server.port}`,
      "-CAfile",
      ca,
      "-verify_return_error",
      "-ign_eof",
      ...extra,
    ],
    { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out: out + err, code };
}

describe("TLS with the gateway PKI", () => {
  test("openssl verifies the server for 127.0.0.1 and localhost and the server sees the client's registered fingerprint", async () => {
    for (const check of [
      ["-verify_ip", "127.0.0.1"],
      ["-verify_hostname", "localhost", "-servername", "localhost"],
    ]) {
      const seen = nextPeer();
      const r = await sClient([...check, "-cert", "dev1_cert.pem", "-key", "dev1_key.pem"]);
      expect(r.out).toContain("Verify return code: 0 (ok)");
      expect(r.out).toContain("hello");
      expect(r.code).toBe(0);
      expect(await seen).toEqual({ authorized: true, fingerprint: client.fingerprint256, cn: "dev1" });
    }
  });

  test("a host name the certificate does not cover fails verification", async () => {
    const r = await sClient([
      "-verify_hostname",
      "not-this-host.example",
      "-cert",
      "dev1_cert.pem",
      "-key",
      "dev1_key.pem",
    ]);
    expect(r.out).toMatch(/hostname mismatch|Verify return code: 62/);
    expect(r.code).not.toBe(0);
  });

  test("a client certificate from another CA is not authorized", async () => {
    const other = await loadOrCreatePki(join(dir, "other"), { hosts: [] });
    const foreign = await other.issueClientCert({
      clientId: "dev1",
      keyType: "ec",
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    writeFileSync(join(dir, "f_cert.pem"), foreign.certPem);
    writeFileSync(join(dir, "f_key.pem"), foreign.keyPem, { mode: 0o600 });
    const seen = nextPeer();
    const r = await sClient(["-verify_ip", "127.0.0.1", "-cert", "f_cert.pem", "-key", "f_key.pem"]);
    expect(r.out).not.toContain("hello");
    expect((await seen).authorized).toBe(false);
  });
});
