// Approval at first use under a Policy "pinned" company CA: a certificate of the CA naming
// a registered client (CN rule) but registered nowhere is refused AND listed as pending;
// `neo shell key approve` registers it and the device's next connect works; `reject` drops
// one. Over HTTP the same with keys:create:<id> (GET /keys/pending, POST .../approve|reject).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openBrowser, signIn } from "./console-browser.ts";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { EC, makeCompanyCa, sh } from "./company-ca-kit.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

interface PendingJson {
  clientId: string;
  ca: string;
  fingerprint: string;
  subject: string;
  address: string;
}

describe.skipIf(need.skip)("approve at first use for a pinned company CA", () => {
  let srv: Server;
  let dir: string;
  let neoCa: string;
  let admin: string;
  const f = (n: string) => join(dir, n);
  const pub = (name: string) =>
    run(
      [
        ...["mosquitto_pub", "-h", "127.0.0.1", "-p", String(srv.mqttPort), "--cafile", neoCa],
        ...["--cert", f(`${name}.crt`), "--key", f(`${name}.key`), "-i", name, "-t", "t/x", "-q", "1", "-m", "1"],
      ],
      { timeoutMs: 10_000 },
    );
  const device = async (name: string) => {
    await sh([
      "openssl",
      "req",
      ...EC,
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.csr`),
      "-subj",
      `/CN=${name}/O=Acme`,
    ]);
    await sh([
      ...["openssl", "x509", "-req", "-days", "30", "-in", f(`${name}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key")],
      ...["-CAcreateserial", "-out", f(`${name}.crt`)],
    ]);
  };
  const pending = async (): Promise<PendingJson[]> => {
    const r = await neo(["shell", "key", "pending", "--format", "json", "--data", srv.data]);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as PendingJson[];
  };
  const api = (method: string, path: string) =>
    fetch(`http://${srv.ready.http}${path}`, { method, headers: { authorization: `Bearer ${admin}` } });

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-company-approve-");
    await makeCompanyCa(dir);
    for (const d of ["dev-a", "dev-b", "dev-c", "dev-d", "dev-e", "ghost"]) await device(d);
    const conf = f("neo.conf");
    await Bun.write(
      conf,
      `Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\nTls {\n  TrustedCA "acme" {\n    File = "${f("ca.crt")}"\n    Identity = "cn"\n    Policy = "pinned"\n  }\n}\n`,
    );
    srv = await startServer(["--config", conf]);
    neoCa = f("neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", neoCa, "--data", srv.data])).code).toBe(0);
    for (const d of ["dev-a", "dev-b", "dev-c", "dev-d", "dev-e"]) await genKey(srv.data, d);
    admin = (
      await genKey(srv.data, "ops", [
        "--scope",
        "keys:create:dev-a",
        "--scope",
        "keys:create:dev-c",
        "--scope",
        "keys:list:*",
      ])
    ).token;
  }, 60_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("refused at first use, listed as pending, approved with the CLI, then it connects", async () => {
    expect((await pub("dev-a")).code).not.toBe(0);
    const list = await pending();
    const mine = list.find((p) => p.clientId === "dev-a");
    expect(mine).toMatchObject({ ca: "acme", address: "127.0.0.1" });
    expect(mine?.subject).toContain("CN=dev-a");
    // refused again: still one entry, no growth
    expect((await pub("dev-a")).code).not.toBe(0);
    expect((await pending()).filter((p) => p.clientId === "dev-a")).toHaveLength(1);
    const ok = await neo(["shell", "key", "approve", "dev-a", "--data", srv.data]);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toContain(`approved dev-a`);
    expect((await pending()).some((p) => p.clientId === "dev-a")).toBe(false);
    const r = await pub("dev-a");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const audit = await neo(["shell", "audit", "--data", srv.data, "--format", "json", "--limit", "1000"]);
    expect(audit.stdout).toContain("key.approve");
  });

  test("a certificate naming no registered client is refused and not kept", async () => {
    expect((await pub("ghost")).code).not.toBe(0);
    expect((await pending()).some((p) => p.clientId === "ghost")).toBe(false);
  });

  test("reject drops a pending certificate; it stays refused", async () => {
    expect((await pub("dev-b")).code).not.toBe(0);
    await eventually(async () => (await pending()).some((p) => p.clientId === "dev-b"), 5_000);
    const r = await neo(["shell", "key", "reject", "dev-b", "--data", srv.data]);
    expect(r.code).toBe(0);
    expect((await pending()).some((p) => p.clientId === "dev-b")).toBe(false);
    expect((await pub("dev-b")).code).not.toBe(0);
    const unknown = await neo(["shell", "key", "approve", "0".repeat(64), "--data", srv.data]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no pending certificate");
  });

  test("over HTTP: GET /keys/pending, POST /keys/pending/<fingerprint>/approve with keys:create:<id>", async () => {
    expect((await pub("dev-c")).code).not.toBe(0);
    const list = (await (await api("GET", "/keys/pending")).json()) as { data: PendingJson[] };
    const fp = list.data.find((p) => p.clientId === "dev-c")?.fingerprint;
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    // no credential (anonymous: HTTP token auth is off here) and a key without keys:create:dev-c: 403
    expect((await fetch(`http://${srv.ready.http}/keys/pending/${fp}/approve`, { method: "POST" })).status).toBe(403);
    const other = (await genKey(srv.data, "viewer", ["--scope", "keys:list:*"])).token;
    const denied = await fetch(`http://${srv.ready.http}/keys/pending/${fp}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${other}` },
    });
    expect(denied.status).toBe(403);
    const res = await api("POST", `/keys/pending/${fp}/approve`);
    expect(res.status).toBe(200);
    expect((await pub("dev-c")).code).toBe(0);
    expect((await api("POST", `/keys/pending/${fp}/approve`)).status).toBe(404);
  });

  test("the console's Keys page lists pending certificates; Approve and Reject there go through the API", async () => {
    expect((await pub("dev-d")).code).not.toBe(0);
    expect((await pub("dev-e")).code).not.toBe(0);
    const b = await openBrowser();
    try {
      const { page } = b;
      await signIn(page, srv, "#/keys");
      await page.locator("#pending-table").waitFor();
      await b.shot("keys-pending");
      await page.getByRole("button", { name: "Approve the certificate for dev-d" }).click();
      await page.getByRole("dialog", { name: "Approve the certificate for dev-d?" }).waitFor();
      await page.click("#confirm-yes");
      await page.getByRole("button", { name: "Approve the certificate for dev-d" }).waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Reject the certificate for dev-e" }).click();
      await page.click("#confirm-yes");
      await page.locator("#pending-table").waitFor({ state: "detached" });
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
    }
    expect((await pub("dev-d")).code).toBe(0);
    expect((await pub("dev-e")).code).not.toBe(0);
    const audit = await neo(["shell", "audit", "--data", srv.data, "--format", "json", "--limit", "1000"]);
    expect(audit.stdout).toContain("key.reject");
  }, 60_000);
});
