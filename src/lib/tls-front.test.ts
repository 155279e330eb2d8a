// The TLS front against a real Bun.serve and real TLS clients: the handler sees the
// verified certificate, a slow reader gets every byte (back-pressure), direct
// connections are unknown, and a bad certificate never reaches the upstream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import type { Server } from "bun";
import { createLogger } from "./log.ts";
import { loadOrCreatePki, type IssuedCert, type Pki } from "../pki/index.ts";
import { createTlsFront, type TlsFront } from "./tls-front.ts";

const BIG = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 10)) & 0xff;
const bigHash = createHash("sha256").update(BIG).digest("hex");

let dir: string;
let pki: Pki;
let client: IssuedCert;
let upstream: Server<unknown>;
let front: TlsFront;
let upstreamRequests = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "neo-front-"));
  pki = await loadOrCreatePki(dir, { hosts: ["127.0.0.1"] });
  client = await pki.issueClientCert({
    clientId: "front-app",
    keyType: "ec",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
  });
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req, srv) {
      upstreamRequests++;
      const ip = srv.requestIP(req);
      const peer = ip ? front.peer(ip.address, ip.port) : undefined;
      const path = new URL(req.url).pathname;
      if (path === "/big") return new Response(BIG);
      if (path === "/echo") {
        const body = Buffer.from(await req.arrayBuffer());
        return Response.json({ bytes: body.length, sha: createHash("sha256").update(body).digest("hex") });
      }
      return Response.json({
        cn: peer?.cert?.cn ?? null,
        fp: peer?.cert?.fingerprint256 ?? null,
        known: peer !== undefined,
      });
    },
  });
  front = createTlsFront({
    host: "127.0.0.1",
    port: 0,
    tls: { cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caCertPem, clientAuth: "optional" },
    upstreamPort: upstream.port ?? 0,
    log: createLogger("test"),
  });
});

afterAll(async () => {
  front.stop();
  await upstream.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const withCert = () => ({ ca: pki.caCertPem, cert: client.certPem, key: client.keyPem });
const url = (p: string) => `https://127.0.0.1:${front.port}${p}`;

describe("TLS front", () => {
  test("the handler sees the verified client certificate through the upstream port", async () => {
    const r = await fetch(url("/who"), { tls: withCert() } as RequestInit);
    expect(await r.json()).toEqual({ cn: "front-app", fp: client.fingerprint256, known: true });
  });

  test("without a certificate (optional) the peer is known but has no certificate", async () => {
    const r = await fetch(url("/who"), { tls: { ca: pki.caCertPem } } as RequestInit);
    expect(await r.json()).toEqual({ cn: null, fp: null, known: true });
  });

  test("a direct connection to the upstream has no registered peer", async () => {
    const r = await fetch(`http://127.0.0.1:${upstream.port}/who`);
    expect(((await r.json()) as { known: boolean }).known).toBe(false);
  });

  test("a certificate from another CA is terminated before any byte reaches the upstream", async () => {
    const other = mkdtempSync(join(tmpdir(), "neo-front-other-"));
    try {
      const foreign = await loadOrCreatePki(other, { hosts: ["127.0.0.1"] });
      const fc = await foreign.issueClientCert({
        clientId: "front-app",
        keyType: "ec",
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 3_600_000),
      });
      const before = upstreamRequests;
      await expect(
        fetch(url("/who"), { tls: { ca: pki.caCertPem, cert: fc.certPem, key: fc.keyPem } } as RequestInit),
      ).rejects.toThrow();
      expect(upstreamRequests).toBe(before);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a reader that stops reading makes the front queue and pause; it still receives all 8 MiB intact", async () => {
    let sawQueue = 0;
    const got = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = tls.connect({ host: "127.0.0.1", port: front.port, ...withCert() }, () => {
        s.write("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.pause(); // let every buffer on the way fill up
        // resume once the front had to hold bytes back (its socket took only part of a write)
        const poll = setInterval(() => {
          sawQueue = Math.max(sawQueue, front.queuedBytes());
          if (sawQueue > 0) {
            clearInterval(poll);
            s.resume();
          }
        }, 5);
      });
      s.on("data", (d: Buffer) => chunks.push(d));
      s.on("close", () => resolve(Buffer.concat(chunks)));
      s.on("error", reject);
    });
    const sep = got.indexOf("\r\n\r\n");
    const body = got.subarray(sep + 4);
    expect(sawQueue).toBeGreaterThan(0);
    expect(front.queuedBytes()).toBe(0);
    expect(body.length).toBe(BIG.length);
    expect(createHash("sha256").update(body).digest("hex")).toBe(bigHash);
  });

  test("an 8 MiB upload arrives intact", async () => {
    const r = await fetch(url("/echo"), { method: "POST", body: BIG, tls: withCert() } as RequestInit);
    expect(await r.json()).toEqual({ bytes: BIG.length, sha: bigHash });
  });
});
