// Expiry visible before it bites (issue 22): neo_cert_expiry_seconds per client in
// /metrics, a log warning and an audit row for a key inside Tls.ExpiryWarning, and
// `neo shell key list --expiring 30d`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";

describe("certificates expiring soon", () => {
  let srv: Server;
  let dir: string;
  let data: string;
  let admin: { token: string };

  beforeAll(async () => {
    dir = tempDir("neo-expiry-");
    data = join(dir, "data");
    // keys made before the gateway starts: the first check at start sees them
    await genKey(data, "soon", ["--days", "10"]);
    await genKey(data, "later", ["--days", "400"]);
    admin = await genKey(data, "admin", ["--scope", "keys:list:*"]);
    await Bun.write(join(dir, "neo.conf"), 'Http { MetricsPublic = true }\nTls { ExpiryWarning = "30d" }\n');
    srv = await startServer(["--config", join(dir, "neo.conf")], { data });
  }, 30_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("/metrics has neo_cert_expiry_seconds per client", async () => {
    const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
    const secs = (id: string) =>
      Number(new RegExp(`neo_cert_expiry_seconds\\{client="${id}"\\} (\\d+)`).exec(text)?.[1]);
    expect(secs("soon")).toBeGreaterThan(9 * 86_400);
    expect(secs("soon")).toBeLessThanOrEqual(10 * 86_400);
    expect(secs("later")).toBeGreaterThan(399 * 86_400);
  });

  test("a key inside the warning window gets one log warning and one audit row; the other none", async () => {
    await srv.waitForLog(/key "soon" expires .* \(9 days\)/);
    expect(srv.logs()).not.toMatch(/key "later" expires/);
    const rows = await eventually(async () => {
      const r = await neo(["shell", "audit", "--format", "json", "--data", srv.data]);
      const all = JSON.parse(r.stdout) as { action: string; client?: string }[];
      const hits = all.filter((e) => e.action === "key.expiring");
      return hits.length > 0 ? hits : undefined;
    });
    expect(rows.map((e) => e.client)).toEqual(["soon"]);
  });

  test("the Keys page's data marks the key expiring within 30 days (its badge and filter)", async () => {
    const r = await fetch(`${srv.httpUrl}/keys`, { headers: { Authorization: `Bearer ${admin.token}` } });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { data: { id: string; expiring?: boolean }[] };
    const marked = Object.fromEntries(j.data.map((k) => [k.id, k.expiring === true]));
    expect(marked).toEqual({ soon: true, later: false, admin: false });
  });

  test("neo shell key list --expiring 30d lists only the key that expires within 30 days", async () => {
    const r = await neo(["shell", "key", "list", "--expiring", "30d", "--format", "json", "--data", srv.data]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { id: string }[]).map((k) => k.id)).toEqual(["soon"]);
    const bad = await neo(["shell", "key", "list", "--expiring", "soon", "--data", srv.data]);
    expect(bad.code).toBe(2);
  });
});
