// CoAP over TLS with Coap.Tls.ClientAuth = "optional": without a certificate the key in
// ?auth= is the credential; a certificate and another key's token is refused; a foreign
// certificate is cut off in the handshake; Block1 over TLS; and connections without a
// certificate share one buffer budget (past it, Abort).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { coap, coapClient } from "./coap-clients.ts";
import { openGateway, type Gateway } from "./fixture.ts";
import { eventually, neo, run } from "./harness.ts";

describe.skipIf(coapClient.skip)('coaps+tcp with ClientAuth = "optional"', () => {
  let opt: Gateway & { close(): Promise<void> };
  let at: string;
  beforeAll(async () => {
    opt = await openGateway({
      config: 'Coap {\n  Tls {\n    Listen = "127.0.0.1:0"\n    ClientAuth = "optional"\n  }\n}\n',
      keys: ["dev2"],
      ca: true,
    });
    at = `coaps+tcp://${opt.srv.ready.coapsTcp}/channels/ch2/messages`;
    for (const args of [
      ["channel", "create", "ch2"],
      ["channel", "connect", "ch2", "dev2"],
    ]) {
      const r = await neo(["shell", ...args, "--data", opt.srv.data]);
      expect(r.code).toBe(0);
    }
  }, 30_000);
  afterAll(async () => {
    await opt?.close();
  });

  test("without a certificate ?auth=<key> is the credential; without either, 4.01", async () => {
    const ok = await coap([
      "-m",
      "post",
      "-e",
      "no-cert",
      "-v",
      "6",
      "-C",
      opt.ca,
      `${at}?auth=${opt.keys.dev2!.token}`,
    ]);
    expect(ok.stdout).toContain("c:2.04");
    const none = await coap(["-m", "post", "-e", "no-cert", "-v", "6", "-C", opt.ca, at]);
    expect(none.stdout).toContain("c:4.01");
    expect(none.stdout).toContain("missing credentials");
  });

  test("a certificate with another key's token in ?auth= is refused (4.03); a foreign certificate in the handshake", async () => {
    const other = await neo(["shell", "key", "gen", "other", "--output", `${opt.dir}/other`, "--data", opt.srv.data]);
    expect(other.code).toBe(0);
    const otherToken = (await Bun.file(`${opt.dir}/other_token`).text()).trim();
    const mixed = await coap([
      "-m",
      "post",
      "-e",
      "x",
      "-v",
      "6",
      "-c",
      opt.keys.dev2!.cert,
      "-j",
      opt.keys.dev2!.key,
      "-C",
      opt.ca,
      `${at}?auth=${otherToken}`,
    ]);
    expect(mixed.stdout).toContain("c:4.03");
    const self = await run([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=dev2",
      "-keyout",
      join(opt.dir, "self.key"),
      "-out",
      join(opt.dir, "self.crt"),
    ]);
    expect(self.code).toBe(0);
    const foreign = await coap([
      "-m",
      "post",
      "-e",
      "x",
      "-v",
      "6",
      "-c",
      join(opt.dir, "self.crt"),
      "-j",
      join(opt.dir, "self.key"),
      "-C",
      opt.ca,
      `${at}?auth=${opt.keys.dev2!.token}`,
    ]);
    expect(foreign.stdout).not.toContain("c:2.04");
  });

  test("a block-wise upload over TLS is put together and stored", async () => {
    const pack = JSON.stringify(Array.from({ length: 30 }, (_, i) => ({ n: "tcpblk", t: 1700000200 + i, v: i })));
    await Bun.write(join(opt.dir, "pack.json"), pack);
    const r = await coap([
      "-m",
      "post",
      "-t",
      "110",
      "-b",
      "64",
      "-f",
      join(opt.dir, "pack.json"),
      "-v",
      "6",
      "-c",
      opt.keys.dev2!.cert,
      "-j",
      opt.keys.dev2!.key,
      "-C",
      opt.ca,
      at,
    ]);
    expect(r.stdout).toContain("c:2.04");
    expect((await opt.query("select count(*) from ch2 where NAME = 'tcpblk'")).body.data.rows[0]?.[0]).toBe(30);
  });

  test("connections without a certificate share a 16 MiB budget: past it they are aborted, admitted ones go on", async () => {
    const [host, port] = opt.srv.ready.coapsTcp!.split(":");
    const ca = await Bun.file(opt.ca).text();
    const csm = new Uint8Array([0x00, 0xe1]); // CSM, no options
    // a frame header announcing a 1 MiB body (Len 15: 4 extension bytes), then 900 KiB of it
    const body = 1024 * 1024 - 65805;
    const head = new Uint8Array([
      0xf0,
      (body >>> 24) & 0xff,
      (body >> 16) & 0xff,
      (body >> 8) & 0xff,
      body & 0xff,
      0x02,
    ]);
    const chunk = new Uint8Array(900 * 1024);
    const closed: boolean[] = [];
    let received = "";
    const sockets = await Promise.all(
      Array.from({ length: 22 }, (_, i) =>
        Bun.connect({
          hostname: host!,
          port: Number(port),
          tls: { ca, serverName: "localhost" },
          socket: {
            open(sock) {
              closed[i] = false;
              sock.write(csm);
              sock.write(head);
              sock.write(chunk);
            },
            data(_sock, d) {
              received += new TextDecoder().decode(d);
            },
            close() {
              closed[i] = true;
            },
          },
        }),
      ),
    );
    try {
      // the budget's Abort (7.05) says why; the handshake timeout would close without one
      await eventually(() => received.includes("too much data before authentication"), 15_000);
      await eventually(() => closed.some((c) => c));
      // a device that authenticates still gets in
      const ok = await coap([
        "-m",
        "post",
        "-e",
        "after-budget",
        "-v",
        "6",
        "-C",
        opt.ca,
        `${at}?auth=${opt.keys.dev2!.token}`,
      ]);
      expect(ok.stdout).toContain("c:2.04");
    } finally {
      for (const sock of sockets) sock.terminate();
    }
  });
});
