// The dashboards routes through the one runner, in-process: real registry (keys in two
// domains), real dashboard store, the query path stubbed by a function that asks the
// route's table decision as the real one does. The right is decided before anyone is told
// whether a dashboard exists, and a panel reads with the caller's rights.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuth } from "../../auth/index.ts";
import { defaultConfig } from "../../config/index.ts";
import { createLogger, setLogSink } from "../../lib/log.ts";
import { loadOrCreatePki } from "../../pki/index.ts";
import { openDashboards, openDomains, openRegistry, openUsers } from "../../registry/index.ts";
import type { HttpAuditEvent } from "../audit-events.ts";
import { createRunner, type HttpHandler } from "../runner.ts";
import { dashboardRoutes } from "./dashboards.ts";

setLogSink(() => {});
const dir = mkdtempSync(join(tmpdir(), "neo-dashboard-routes-"));
const registry = openRegistry(dir);
const domains = openDomains(dir);
const dashboards = openDashboards(dir);
const audit: HttpAuditEvent[] = [];
const cred: Record<string, string> = {};
/** the statements the query path was asked to run */
const ran: string[] = [];
let handler: HttpHandler;
let north: string;

beforeAll(async () => {
  const pki = await loadOrCreatePki(dir, { hosts: [] });
  north = domains.create({ name: "North", route: "north" }, "test").id;
  const users = openUsers(dir); // the user bob, whom shares name
  await users.add("bob", "bob-password-1");
  users.close();
  const key = async (id: string, scopes: string[], domainId?: string) => {
    const now = Date.now();
    const k = await registry.create({
      id,
      keyType: "ec",
      notBefore: new Date(now - 1000),
      notAfter: new Date(now + 3_600_000),
      pki,
      scopes,
      ...(domainId ? { domainId } : {}),
    });
    cred[id] = `Bearer ${k.token}`;
  };
  const every = ["read", "create", "update", "delete", "share"].map((op) => `dashboards:${op}:*`);
  await key("editor", [...every, "tables:read:*"]);
  await key("viewer", ["dashboards:read:*", "tables:read:OTHER"]);
  await key("bob", ["dashboards:read:*"]); // a key spelled like the user bob
  await key("lister", ["dashboards:list:*"]);
  await key("tablesonly", ["tables:read:*"]);
  await key("northkey", [...every, "tables:read:*"], north);
  const config = defaultConfig(dir);
  handler = createRunner(
    dashboardRoutes({
      dashboards,
      domain: (d) => domains.resolve(d),
      userExists: (name) => name === "bob",
      query: async (_req, _url, _principal, decide) => {
        const body = (await _req.json()) as { q: string };
        ran.push(body.q);
        const d = decide("T");
        if (!d.allow) return Response.json({ success: false, reason: d.reason }, { status: 403 });
        return Response.json({ success: true, data: { columns: ["NAME", "TIME", "VALUE"], rows: [] } });
      },
    }),
    { config, log: createLogger("http"), auth: createAuth({ registry }), audit: { record: (e) => void audit.push(e) } },
  );
});
afterAll(() => {
  dashboards.close();
  domains.close();
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, who: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: cred[who] ?? "" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await handler.fetch(
    new Request(`http://127.0.0.1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = res ? await res.text() : "";
  return { status: res?.status ?? 0, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const panel = { title: "t", query: { table: "T", tags: ["a"] } };

describe("dashboard routes", () => {
  test("the right is decided before existence: a reader's update of a missing dashboard is 403, an editor's 404", async () => {
    expect((await call("PATCH", "/dashboards/nope", "viewer", { name: "x" })).status).toBe(403);
    expect((await call("PATCH", "/dashboards/nope", "editor", { name: "x" })).status).toBe(404);
    expect(audit.some((e) => e.kind === "deny" && e.action === "dashboards:update")).toBe(true);
  });

  test("not shown until shared; then a panel reads with the viewer's rights, not the owner's", async () => {
    const made = await call("POST", "/dashboards", "editor", { name: "D", panels: [panel] });
    expect(made.status).toBe(201);
    const id = made.json.id as string;
    expect(audit.some((e) => e.kind === "change" && e.action === "dashboard.create" && e.target === id)).toBe(true);
    expect((await call("GET", `/dashboards/${id}`, "viewer")).status).toBe(404);
    expect((await call("POST", `/dashboards/${id}/share`, "editor", { users: ["nobody"] })).status).toBe(400);
    // shared with the USER bob: the key bob is not him
    expect((await call("POST", `/dashboards/${id}/share`, "editor", { users: ["bob"] })).status).toBe(200);
    expect((await call("GET", `/dashboards/${id}`, "bob")).status).toBe(404);
    expect((await call("POST", `/dashboards/${id}/share`, "editor", { members: true })).status).toBe(200);
    expect((await call("GET", `/dashboards/${id}`, "viewer")).json.can).toEqual({
      read: true,
      update: false,
      delete: false,
      share: false,
    });
    const refused = await call("GET", `/dashboards/${id}/panels/0/data?last=15m`, "viewer");
    expect(refused).toEqual({ status: 403, json: { success: false, reason: "not allowed to read table T" } });
    expect((await call("GET", `/dashboards/${id}/panels/0/data`, "editor")).status).toBe(200);
    expect(ran.at(-1)).toContain("FROM T WHERE TIME >= ");
    expect((await call("GET", `/dashboards/${id}/panels/0/data?from=5&to=1`, "editor")).status).toBe(400);
  });

  test("dashboards:list lists what the caller is shown (SuperMQ's list), without reading one; no right: 403", async () => {
    const hidden = (await call("POST", "/dashboards", "editor", { name: "private" })).json.id as string;
    const open = (await call("POST", "/dashboards", "editor", { name: "for members" })).json.id as string;
    expect((await call("POST", `/dashboards/${open}/share`, "editor", { members: true })).status).toBe(200);
    const listed = await call("GET", "/dashboards?limit=100", "lister");
    expect(listed.status).toBe(200);
    const ids = (listed.json.dashboards as { id: string }[]).map((d) => d.id);
    expect(ids).toContain(open);
    expect(ids).not.toContain(hidden);
    expect(listed.json.can_create).toBe(false);
    expect((listed.json.dashboards as { can: unknown }[])[0]?.can).toEqual({
      read: false,
      update: false,
      delete: false,
      share: false,
    });
    expect((await call("GET", `/dashboards/${open}`, "lister")).status).toBe(403);
    expect((await call("GET", "/dashboards", "tablesonly")).status).toBe(403);
    expect(audit.some((e) => e.kind === "deny" && e.action === "dashboards:list")).toBe(true);
  });

  test("a key of another domain is refused the default domain's dashboards, and the other way round", async () => {
    expect((await call("GET", "/dashboards", "northkey")).status).toBe(403);
    const made = await call("POST", "/north/dashboards", "northkey", { name: "N" });
    expect(made.status).toBe(201);
    expect(made.json.domain_id).toBe(north);
    expect((await call("GET", `/${north}/dashboards/${made.json.id}`, "northkey")).status).toBe(200);
    expect((await call("GET", `/north/dashboards/${made.json.id}`, "editor")).status).toBe(403);
    expect((await call("GET", `/dashboards/${made.json.id}`, "editor")).status).toBe(404);
    domains.setStatus(north, "disabled", "test");
    expect((await call("POST", "/north/dashboards", "northkey", { name: "M" })).status).toBe(401);
  });
});
