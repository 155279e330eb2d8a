// Attacks on HTTP listener lists as a new user would try them with curl: a listener that takes
// certificates only must not hand out a login credential (an access key or a web session made
// from a password there works on every other listener), on any of the three login paths.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("curl", "apt-get install curl");

const CONF = `Http {
  EnableTokenAuth = true
  Listener "local" { Address = "http://127.0.0.1:0" }
  Listener "certonly" {
    Address = "http://127.0.0.1:0"
    Credentials = ["certificate"]
  }
  Listener "keys" {
    Address = "http://127.0.0.1:0"
    Credentials = ["access_key"]
  }
}
`;

describe.skipIf(need.skip)("password logins on HTTP listeners with their own Credentials", () => {
  let srv: Server;
  let dir: string;
  let password: string;
  const url = (name: string) => {
    const l = srv.ready.httpListeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return `${l.transport}://${l.address}`;
  };
  const login = async (listener: string, path: string) => {
    const body = JSON.stringify({ username: "admin", email: "admin@x", loginName: "admin", password });
    const a = ["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", `${url(listener)}${path}`];
    const r = await run([...a, "-H", "Content-Type: application/json", "--data", body]);
    const i = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(i + 1)), body: JSON.parse(r.stdout.slice(0, i)) as Record<string, unknown> };
  };

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-attack-listeners-");
    await Bun.write(join(dir, "neo.conf"), CONF);
    srv = await startServer(["--config", join(dir, "neo.conf")]);
    password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("a certificate-only listener refuses every password login (403, audited); others issue what they take", async () => {
    for (const path of ["/users/tokens/issue", "/tokens", "/web/api/login"]) {
      const r = await login("certonly", path);
      expect(r.status).toBe(403);
      expect(r.body.reason).toBe('a password login cannot be used here (listener "certonly" takes certificate)');
      expect(JSON.stringify(r.body)).not.toContain("nac_");
    }
    // an access-key listener issues access keys, not web sessions
    expect((await login("keys", "/users/tokens/issue")).status).toBe(201);
    expect((await login("keys", "/web/api/login")).status).toBe(403);
    // a listener with every form (no Credentials) logs in as before
    expect((await login("local", "/tokens")).status).toBe(201);
    expect((await login("local", "/web/api/login")).status).toBe(200);
    const audit = await neo(["shell", "audit", "--result", "fail", "--format", "json", "--data", srv.data]);
    expect(audit.stdout).toContain("a password login cannot be used here");
  });

  test("a listener without token auth beyond loopback is warned about at start (MQTT and HTTP); loopback is not", async () => {
    expect(srv.logs()).not.toContain("without a token from beyond this machine");
    const open = await startServer(["--host", "0.0.0.0"]);
    try {
      await open.waitForLog(/WARN .*HTTP listener http:\/\/0\.0\.0\.0:\d+ takes requests without a token/);
      await open.waitForLog(/WARN .*MQTT listener tcp:\/\/0\.0\.0\.0:\d+ takes clients without a token/);
    } finally {
      await open.stop();
      cleanup(open.data);
    }
  });
});
