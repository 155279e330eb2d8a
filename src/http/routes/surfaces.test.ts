// Every surface through the one runner, in-process, as a table of scenarios
// {method, path, credential, status, audit}: real registry, users, PATs and channels in a
// temp dir, the routes as the gateway builds them. What the audit trail gets is part of
// each answer: an authentication row, a refusal (`deny`), a change, or nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuth, createPatAuth, createPeople, personIdentify } from "../../auth/index.ts";
import { defaultConfig } from "../../config/index.ts";
import { createLogger, setLogSink } from "../../lib/log.ts";
import { loadOrCreatePki } from "../../pki/index.ts";
import {
  assertChannelId,
  type Channel,
  channelsJson,
  defaultChannelTable,
  openChannels,
  openPats,
  openRegistry,
  openUserKeys,
  openUsers,
} from "../../registry/index.ts";
import type { HttpAuditEvent } from "../audit-events.ts";
import { createRunner, type HttpHandler } from "../runner.ts";
import { auditRoutes } from "./audit.ts";
import { channelRoutes } from "./channels.ts";
import { keyRoutes } from "./keys.ts";
import { patRoutes } from "./pats.ts";

setLogSink(() => {});
const dir = mkdtempSync(join(tmpdir(), "neo-surfaces-"));
const registry = openRegistry(dir);
const users = openUsers(dir);
const pats = openPats(dir);
const channels = openChannels(dir, registry);
const people = createPeople({ users, keys: openUserKeys(dir), accessTtlMs: () => 3_600_000, refreshTtlMs: () => 1e7 });
const audit: HttpAuditEvent[] = [];
const cred: Record<string, string> = {};
let handler: HttpHandler;

beforeAll(async () => {
  const pki = await loadOrCreatePki(dir, { hosts: [] });
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
  await key("all", ["tables:read:*", "tables:write:*"]);
  await key("mine", ["channels:create:mine", "channels:connect:mine"]);
  await users.ensureAdmin();
  const admin = users.get("admin")!;
  cred.admin = `Bearer ${people.login(admin).access_token}`;
  cred.pat = `Bearer ${pats.create(admin.id, { name: "p", description: "", ttlMs: null }).secret}`;
  const config = defaultConfig(dir);
  config.http.listen = { host: "127.0.0.1", port: 0 };
  const patAuth = createPatAuth({ users, pats });
  handler = createRunner(
    [
      ...keyRoutes({ registry, pki, log: createLogger("keys"), defaultScopes: () => [] }),
      ...channelRoutes({
        create: (o) => channels.create(o),
        get: (id) => channels.get(id),
        list: () => channels.list(),
        delete: (id) => channels.delete(id),
        connect: (id, client, ops) => channels.connect(id, client, ops),
        disconnect: (id, client) => channels.disconnect(id, client),
        json: (list) => channelsJson(list as Channel[], channels.connections()),
        defaultTable: (id) => {
          assertChannelId(id);
          return defaultChannelTable(id);
        },
      }),
      ...auditRoutes({ query: () => [] }),
      ...patRoutes({ pats, user: (name) => users.get(name) }),
    ],
    {
      config,
      log: createLogger("http"),
      auth: createAuth({ registry, person: personIdentify(people, patAuth) }),
      audit: { record: (e) => void audit.push(e) },
    },
  );
});
afterAll(() => {
  channels.close();
  pats.close();
  users.close();
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

type Scenario = {
  method: string;
  path: string;
  credential: string;
  body?: unknown;
  status: number;
  /** the rows the request leaves in the audit trail, as `kind result [action]` */
  audit: string[];
};

const scenarios: Scenario[] = [
  // a valid credential without the right is 403, never 401, and the refusal is audited
  { method: "GET", path: "/audit", credential: "all", status: 403, audit: ["auth ok", "deny fail audit:read"] },
  { method: "GET", path: "/audit", credential: "admin", status: 200, audit: ["auth ok"] },
  { method: "GET", path: "/keys", credential: "all", status: 403, audit: ["auth ok", "deny fail keys:list"] },
  {
    method: "POST",
    path: "/keys/all/rotate",
    credential: "mine",
    status: 403,
    audit: ["auth ok", "deny fail keys:rotate"],
  },
  // a valid credential of a form the route does not take: 403 (a client token is no web session, a PAT manages no PATs)
  { method: "GET", path: "/web/api/keys", credential: "all", status: 403, audit: ["auth fail"] },
  { method: "GET", path: "/pats", credential: "pat", status: 403, audit: ["auth fail"] },
  { method: "GET", path: "/pats", credential: "admin", status: 200, audit: ["auth ok"] },
  // a wrong credential is 401 and audited
  { method: "GET", path: "/keys", credential: "wrong", status: 401, audit: ["auth fail"] },
  // a channel is a way to write its table: creating one at SECRET needs tables:write:SECRET
  {
    method: "POST",
    path: "/channels",
    credential: "mine",
    body: { id: "mine", table: "SECRET" },
    status: 403,
    audit: ["auth ok", "deny fail tables:write"],
  },
  {
    method: "POST",
    path: "/channels",
    credential: "admin",
    body: { id: "plant", table: "SECRET" },
    status: 201,
    audit: ["auth ok", "change ok channel.create"],
  },
  {
    method: "POST",
    path: "/channels/plant/connect",
    credential: "admin",
    body: { client_id: "mine" },
    status: 200,
    audit: ["auth ok", "change ok channel.connect"],
  },
];

describe("every surface through the one runner", () => {
  for (const s of scenarios) {
    test(`${s.method} ${s.path} as ${s.credential} -> ${s.status}, audit ${s.audit.join(", ")}`, async () => {
      audit.length = 0;
      const headers: Record<string, string> = {
        authorization: cred[s.credential] ?? "Bearer nobody:b:wrong",
        ...(s.body ? { "content-type": "application/json" } : {}),
      };
      const r = await handler.fetch(
        new Request(`http://127.0.0.1${s.path}`, {
          method: s.method,
          headers,
          ...(s.body ? { body: JSON.stringify(s.body) } : {}),
        }),
        { clientIp: "10.0.0.7" },
      );
      expect(r?.status).toBe(s.status);
      const rows = audit.map((e) => [e.kind, e.result, ...(e.kind === "auth" ? [] : [e.action])].join(" "));
      expect(rows).toEqual(s.audit);
    });
  }
});
