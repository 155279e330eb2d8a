// The console remembers: neo writes its own figures into NEO_SYSTEM every 10 s (and once at
// start), so the Overview's last hour survives a restart and comes from the gateway, not
// from the browser tab that happened to be open.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, type Server, startServer, tempDir } from "./harness.ts";

let srv: Server | undefined;
const data = tempDir("neo-history-");
afterAll(async () => {
  await srv?.stop();
  cleanup(data);
});

async function history(s: Server, range: string) {
  const password = readFileSync(join(data, "web-admin-password"), "utf8").trim();
  const login = await fetch(`${s.httpUrl}/web/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ loginName: "admin", password }),
  });
  const session = ((await login.json()) as { accessToken: string }).accessToken;
  const r = await fetch(`${s.httpUrl}/web/api/console/history?range=${range}`, {
    headers: { authorization: `Bearer ${session}` },
  });
  return { status: r.status, body: (await r.json()) as { data: { x: number[]; series: Record<string, unknown[]> } } };
}

describe("the Overview's history", () => {
  test("readings from before a restart are still there; rates come back per second", async () => {
    srv = await startServer([], { data });
    const first = await history(srv, "1h");
    expect(first.status).toBe(200);
    expect(first.body.data.x.length).toBe(1);
    await srv.stop();
    srv = await startServer([], { data });
    const h = (await history(srv, "1h")).body.data;
    expect(h.x.length).toBe(2);
    expect(Object.keys(h.series).sort()).toEqual(
      [
        "auth_failures_per_s",
        "connections",
        "connections.tcp",
        "connections.tls",
        "connections.ws",
        "connections.wss",
        "disk_bytes",
        "messages_in_per_s",
        "messages_out_per_s",
        "rows_written_per_s",
        "rss_bytes",
      ].sort(),
    );
    expect((h.series.rss_bytes as number[]).every((v) => v > 10_000_000)).toBe(true);
    // a rate needs two readings; a counter that went back (a restart) gives none, 0 -> 0 gives 0
    expect(h.series.messages_in_per_s).toEqual([null, 0]);
    expect((await history(srv, "7d")).status).toBe(400);
    expect((await history(srv, "24h")).status).toBe(200);
  }, 60_000);
});
