// The console's session and key routes through the one runner on a real socket, for the
// route tests (console-api.test.ts, console-keys.test.ts): a temp data dir with the admin
// user, a PKI, the registry, and a client for the JSON API.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_ACCESS_SCOPES, createGuard, type Guard, type Users } from "../../auth/index.ts";
import { defaultConfig } from "../../config/index.ts";
import { createLogger } from "../../lib/log.ts";
import { loadOrCreatePki, type Pki } from "../../pki/index.ts";
import type { HttpIdentify } from "../caller.ts";
import { createPasswordLogin } from "../password-login.ts";
import { createRunner } from "../runner.ts";
import { keyRoutes } from "./keys.ts";
import { sessionRoutes } from "./session.ts";

type Registry = Parameters<typeof keyRoutes>[0]["registry"] & {
  get(id: string): { scopes: string[] } | null;
  close(): void;
};

/** what the test file opens over the data dir (http imports no registry): the stores and identify() */
export interface Stores {
  registry: Registry;
  users: Users;
  people: Parameters<typeof sessionRoutes>[0]["people"];
  auth: HttpIdentify;
}

export type Body = Record<string, unknown> & { success: boolean; reason: string };

export interface ConsoleFixture {
  dir: string;
  users: Users;
  pki: Pki;
  registry: Registry;
  adminPassword: string;
  base: string;
  /** the routes behind another guard (the brute-force tests) */
  makeApi(guard: Guard): ReturnType<typeof createRunner>;
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string },
  ): Promise<{ status: number; headers: Headers; body: Body }>;
  /** the admin's session token */
  login(): Promise<string>;
  close(): Promise<void>;
}

export async function openConsoleFixture(open: (dir: string) => Stores): Promise<ConsoleFixture> {
  const dir = mkdtempSync(join(tmpdir(), "neo-web-api-"));
  const { registry, users, people, auth } = open(dir);
  const adminPassword = (await users.ensureAdmin())!;
  const pki = await loadOrCreatePki(dir, { hosts: [] });
  /** the web API as the server builds it: sessions from the user-key store, logins behind `guard` */
  const makeApi = (guard: Guard) => {
    const log = createLogger("web");
    const login = createPasswordLogin({ users, guard, log });
    const config = defaultConfig(dir);
    config.http.listen = { host: "127.0.0.1", port: 0 };
    const routes = [
      ...sessionRoutes({ people, login }),
      ...keyRoutes({ registry, pki, log, defaultScopes: () => ALL_ACCESS_SCOPES }),
    ];
    return createRunner(routes, { config, log, guard, auth });
  };
  const api = makeApi(createGuard({ maxFailures: 1000, windowMs: 60_000, maxBanMs: 60_000 }));
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req, srv) =>
      (await api.fetch(req, { server: srv, clientIp: srv.requestIP(req)?.address ?? "" })) ??
      new Response("upgraded", { status: 101 }),
  });
  const base = `http://127.0.0.1:${server.port}`;
  const call: ConsoleFixture["call"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(base + path, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
  };
  return {
    dir,
    users,
    pki,
    registry,
    adminPassword,
    base,
    makeApi,
    call,
    async login() {
      const r = await call("POST", "/web/api/login", { body: { loginName: "admin", password: adminPassword } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
      return r.body.accessToken as string;
    },
    async close() {
      await server.stop(true);
      users.close();
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
