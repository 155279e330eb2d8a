// The group routes through the one runner, in-process: real registry, groups and channels
// in a temp dir, authorize()'s entity facts installed over the groups (as app does). A key
// whose scope names a group reads that group and manages the channels in it, and nothing
// else; refusals are 403 with a `deny` row, changes leave a change row.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuth, dropEntityFacts, installEntityFacts } from "../../auth/index.ts";
import { defaultConfig } from "../../config/index.ts";
import { createLogger, setLogSink } from "../../lib/log.ts";
import { DEFAULT_DOMAIN_ID } from "../../lib/domain-id.ts";
import { loadOrCreatePki } from "../../pki/index.ts";
import { openChannels, openDomains, openGroups, openRegistry } from "../../registry/index.ts";
import type { HttpAuditEvent } from "../audit-events.ts";
import { createRunner, type HttpHandler } from "../runner.ts";
import { domainChannelRoutes } from "./domain-channels.ts";
import { domainGroupRoutes } from "./domain-groups.ts";

setLogSink(() => {});
const dir = mkdtempSync(join(tmpdir(), "neo-domain-groups-"));
const registry = openRegistry(dir);
const domains = openDomains(dir);
const groups = openGroups(dir);
const channels = openChannels(dir, registry);
let uninstall = () => {};
const audit: HttpAuditEvent[] = [];
const cred: Record<string, string> = {};
let handler: HttpHandler;
let G = "";
let H = "";

beforeAll(async () => {
  uninstall = installEntityFacts((kind, id) =>
    kind === "table" ? { groups: [], disabled: false } : groups.facts(kind, id),
  );
  const pki = await loadOrCreatePki(dir, { hosts: [] });
  G = groups.create({ name: "line", domainId: DEFAULT_DOMAIN_ID }, "test").id;
  H = groups.create({ name: "other", domainId: DEFAULT_DOMAIN_ID }, "test").id;
  for (const id of ["x1", "y1"]) channels.create({ id });
  groups.assign("channel", "x1", G);
  const key = async (id: string, scopes: string[]) => {
    const now = Date.now();
    const k = await registry.create({
      id,
      keyType: "ec",
      notBefore: new Date(now - 1000),
      notAfter: new Date(now + 3_600_000),
      pki,
      scopes,
    });
    cred[id] = `Bearer ${k.token}`;
  };
  await key("line-ops", [`groups:read:${G}`, `channels:update:${G}`]);
  await key("maker", ["groups:create:*", "groups:list:*"]);
  const config = defaultConfig(dir);
  config.http.listen = { host: "127.0.0.1", port: 0 };
  const lookup = { domain: (s: string) => domains.resolve(s) };
  handler = createRunner(
    [
      ...domainGroupRoutes({
        ...lookup,
        create: (g, by) => groups.create(g, by),
        get: (id) => groups.get(id),
        list: (d) => groups.list(d),
        update: (id, p, by) => groups.update(id, p, by),
        setStatus: (id, s, by) => groups.setStatus(id, s, by),
        delete: (id) => groups.delete(id),
        setParent: (id, p, by) => groups.setParent(id, p, by),
        entityDomain: (kind, id) => groups.domainOf(kind, id),
        assign: (kind, id, g) => groups.assign(kind, id, g),
        unassign: (kind, id) => groups.unassign(kind, id),
        members: (id) => groups.members(id),
      }),
      ...domainChannelRoutes({
        ...lookup,
        create: (o) => channels.create(o),
        list: (d) => channels.list().filter((c) => c.domainId === d),
        tableDomain: () => undefined,
        get: (id) => channels.get(id),
        update: (id, p) => channels.update(id, p),
        setStatus: (id, s) => channels.setStatus(id, s),
        delete: (id) => channels.delete(id),
        clientDomain: (id) => registry.get(id)?.domainId ?? null,
        groupOf: (id) => groups.groupOf("channel", id),
        connect: () => {},
        disconnect: () => {},
      }),
    ],
    { config, log: createLogger("http"), auth: createAuth({ registry }), audit: { record: (e) => void audit.push(e) } },
  );
});
afterAll(() => {
  uninstall();
  for (const s of [channels, groups, domains, registry]) s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, who: string, body?: unknown, type = "application/json") {
  audit.length = 0;
  const init: RequestInit = { method, headers: { authorization: cred[who] ?? "", "content-type": type } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const r = await handler.fetch(new Request(`http://127.0.0.1/default${path}`, init));
  if (!r) throw new Error("no answer");
  const rows = audit.map((e) => `${e.kind} ${e.result}${e.kind === "auth" ? "" : ` ${e.action}`}`);
  return { status: r.status, body: r.status === 204 ? {} : ((await r.json()) as Record<string, unknown>), rows };
}

describe("SuperMQ's group routes through the one runner", () => {
  test("a scope naming a group reads that group and updates its channels, nothing else; refusals are audited", async () => {
    expect((await call("GET", `/groups/${G}`, "line-ops")).status).toBe(200);
    const other = await call("GET", `/groups/${H}`, "line-ops");
    expect(other.status).toBe(403);
    expect(other.rows).toEqual(["auth ok", "deny fail groups:read"]);
    const off = await call("POST", "/channels/x1/disable", "line-ops");
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: "x1", status: "disabled", parent_group_id: G });
    expect(off.rows).toEqual(["auth ok", "change ok channel.disable"]);
    expect((await call("POST", "/channels/y1/disable", "line-ops")).status).toBe(403);
    expect((await call("PATCH", "/channels/x1", "line-ops", { name: "X", tags: ["a"] })).body).toMatchObject({
      name: "X",
      tags: ["a"],
    });
    // joining a group needs the group's update right too: line-ops may not move y1 into G
    expect((await call("POST", "/channels/y1/parent", "line-ops", { parent_group_id: G })).status).toBe(403);
  });

  test("create and list by scope; bad bodies are 400 or 415 and change nothing", async () => {
    const made = await call("POST", "/groups", "maker", { name: "new", tags: ["t"], metadata: { a: 1 } });
    expect(made.status).toBe(201);
    expect(made.rows).toEqual(["auth ok", "change ok group.create"]);
    expect(made.body).toMatchObject({ name: "new", tags: ["t"], status: "enabled", domain_id: DEFAULT_DOMAIN_ID });
    expect((await call("GET", "/groups?tag=t", "maker")).body).toMatchObject({ total: 1 });
    for (const bad of [{}, { name: 1 }, { name: "x", status: "paused" }, { name: "x", metadata: [] }])
      expect((await call("POST", "/groups", "maker", bad)).status).toBe(400);
    expect((await call("POST", "/groups", "maker", "{", "application/json")).status).toBe(400);
    expect((await call("POST", "/groups", "maker", "name=x", "text/plain")).status).toBe(415);
    expect((await call("POST", "/groups", "maker", { name: "x", parent_id: H })).status).toBe(403); // no groups:update:H
    expect((await call("GET", "/groups", "maker")).body.total).toBe(3);
  });

  test("the facts cache: a member that leaves is no longer covered once the cache is dropped", async () => {
    await call("POST", "/channels/x1/enable", "line-ops");
    groups.unassign("channel", "x1");
    dropEntityFacts(); // what the app does on every registry change
    expect((await call("POST", "/channels/x1/disable", "line-ops")).status).toBe(403);
  });
});
