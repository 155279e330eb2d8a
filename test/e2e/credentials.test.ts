// Every CONNECT credential form a user of machbase-neo, Mainflux or Magistrala brings, over
// TCP and TLS, and the HTTP schemes: all decided by the one identify() step. Real clients.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";

type Key = Awaited<ReturnType<typeof genKey>>;

async function freePort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

/** mosquitto_pub once; resolves to its exit code and stderr */
const pub = (port: number, args: string[]) =>
  run(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(port), "-t", "cred/x", "-m", "1", "-q", "1", ...args], {
    timeoutMs: 10000,
  });

describe("MQTT over TCP with token auth on", () => {
  let srv: Server;
  let a: Key;
  let b: Key;
  beforeAll(async () => {
    srv = await startServer(["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"]);
    a = await genKey(srv.data, "cred-a");
    b = await genKey(srv.data, "cred-b", ["--scope", "clients:connect:%c", "--scope", "topics:publish:#"]);
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("machbase form: the token as username, no password", async () => {
    expect((await pub(srv.mqttPort, ["-i", "m1", "-u", a.token])).code).toBe(0);
  });

  test("Mainflux form: username = client id, password = token (mosquitto_pub -u <id> -P <token>)", async () => {
    expect((await pub(srv.mqttPort, ["-i", "m2", "-u", "cred-a", "-P", a.token])).code).toBe(0);
    expect((await pub(srv.mqttPort, ["-i", "m2", "-V", "mqttv5", "-u", "cred-a", "-P", a.token])).code).toBe(0);
  });

  test("a wrong password, or another client's id as username, is refused", async () => {
    const wrong = await pub(srv.mqttPort, ["-i", "m3", "-u", "cred-a", "-P", `${a.token.slice(0, -3)}xyz`]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("not authorised");
    const other = await pub(srv.mqttPort, ["-i", "m3", "-u", "cred-b", "-P", a.token]);
    expect(other.code).not.toBe(0);
    expect(srv.logs()).toContain('username "cred-b" is not the client of this token');
  });

  test("clients:connect:%c binds a key to its own client id", async () => {
    expect((await pub(srv.mqttPort, ["-i", "cred-b", "-u", b.token])).code).toBe(0);
    const r = await pub(srv.mqttPort, ["-i", "someone-else", "-u", b.token]);
    expect(r.code).not.toBe(0);
    expect(srv.logs()).toContain('not allowed to connect with client id "someone-else"');
  });

  test("HTTP takes the token as Bearer, Thing or Client", async () => {
    for (const scheme of ["Bearer", "Thing", "Client", "client"]) {
      const r = await run([
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "-H",
        `Authorization: ${scheme} ${a.token}`,
        `${srv.httpUrl}/db/query?q=select%201`,
      ]);
      expect(r.stdout.trim().split("\n").at(-1)).toBe("200");
    }
    const bad = await run([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      "-H",
      `Authorization: Thing nope`,
      `${srv.httpUrl}/db/query?q=select%201`,
    ]);
    expect(bad.stdout.trim().split("\n").at(-1)).toBe("401");
  });
});

describe("MQTT over TLS on an open broker (certificates optional, token auth off)", () => {
  let srv: Server;
  let dir: string;
  let ca: string;
  let a: Key;
  let b: Key;
  beforeAll(async () => {
    dir = tempDir("neo-cred-");
    const conf = join(dir, "neo.conf");
    await Bun.write(conf, 'Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n');
    const port = await freePort();
    srv = await startServer(
      ["--config", conf, "--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", String(port)],
      {
        noPortFlags: true,
      },
    );
    ca = join(dir, "ca.pem");
    await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    a = await genKey(srv.data, "tls-a");
    b = await genKey(srv.data, "tls-b");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const tls = (k: Key | null, extra: string[]) =>
    pub(srv.mqttPort, ["--cafile", ca, ...(k ? ["--cert", k.cert, "--key", k.key] : []), ...extra]);

  test("a certificate alone, or with its own token as password, connects", async () => {
    expect((await tls(a, ["-i", "tls-a"])).code).toBe(0);
    expect((await tls(a, ["-i", "tls-a", "-u", "tls-a", "-P", a.token])).code).toBe(0);
    expect((await tls(a, ["-i", "tls-a", "-V", "mqttv5", "-u", "tls-a", "-P", a.token])).code).toBe(0);
  });

  test("a certificate with a wrong password or another client's token is refused, even on an open broker", async () => {
    const wrong = await tls(a, ["-i", "tls-a", "-u", "tls-a", "-P", "not-the-token"]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("not authorised");
    expect((await tls(a, ["-i", "tls-a", "-u", "tls-a", "-P", b.token])).code).not.toBe(0);
    expect((await tls(a, ["-i", "tls-a", "-u", b.token])).code).not.toBe(0);
  });

  test("without a certificate the Mainflux form still identifies the client over TLS", async () => {
    expect((await tls(null, ["-i", "tls-b", "-u", "tls-b", "-P", b.token])).code).toBe(0);
    expect((await tls(null, ["-i", "x1", "-u", "tls-b", "-P", "wrong"])).code).not.toBe(0);
    expect((await tls(null, ["-i", "anon-1"])).code).toBe(0); // anonymous is allowed here
  });
});
