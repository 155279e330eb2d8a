// Shared by the http tests: a real server on 127.0.0.1:0 over a temp data dir, and a
// token verifier over an in-memory map standing in for src/auth.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import { createQueryService, type QueryService } from "../query/index.ts";
import { openSeriesStore, type SeriesStore } from "../storage/index.ts";
import { createIdentify } from "../auth/index.ts";
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import type { HttpIdentify } from "./caller.ts";
import { createHttpServer, type HttpDeps, type HttpServer } from "./server.ts";

export function testConfig(data: string, enableTokenAuth: boolean): NeoConfig {
  const cfg = defaultConfig(data);
  cfg.data = data;
  cfg.log.level = "error";
  cfg.http.listen = { host: "127.0.0.1", port: 0 };
  cfg.http.enableTokenAuth = enableTokenAuth;
  cfg.mqtt.listen = { host: "127.0.0.1", port: 0 };
  return cfg;
}

/** tokens in a map in place of the registry; identify() is auth's own */
export class MapTokens implements HttpIdentify {
  readonly tokens = new Map<string, { clientId: string; expiresAt: number; scopes: readonly string[] }>();
  calls = 0;
  add(token: string, clientId: string, expiresAt = Date.now() + 3_600_000, scopes = ALL_ACCESS_SCOPES): void {
    this.tokens.set(token, { clientId, expiresAt, scopes });
  }
  verifyToken(token: string) {
    this.calls++;
    const t = this.tokens.get(token);
    if (!t) return { ok: false as const, reason: "invalid token" as const };
    if (t.expiresAt <= Date.now()) return { ok: false as const, reason: "token expired" as const };
    return { ok: true as const, clientId: t.clientId, expiresAt: t.expiresAt, fingerprint256: "", scopes: t.scopes };
  }
  readonly identify = createIdentify({
    verifyToken: (t) => this.verifyToken(t),
    verifyCert: () => ({ ok: false, reason: "unknown certificate" }),
    anonymousScopes: () => ALL_ACCESS_SCOPES,
  });
}

export interface Harness {
  dir: string;
  store: SeriesStore;
  queries: QueryService;
  tokens: MapTokens;
  http: HttpServer;
  url: string;
  close(): Promise<void>;
}

export function startHarness(opts: { tokenAuth: boolean } & Partial<HttpDeps>): Harness {
  const dir = mkdtempSync(join(tmpdir(), "neo-http-"));
  const store = openSeriesStore(dir);
  const tokens = new MapTokens();
  const config = opts.config ?? testConfig(dir, opts.tokenAuth);
  const queries = opts.queries ?? createQueryService(store.file, config.query, createLogger("query"));
  const http = createHttpServer({ config, store, queries, auth: tokens, ...opts });
  return {
    dir,
    store,
    queries,
    tokens,
    http,
    url: http.url,
    async close() {
      await http.stop();
      queries.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Run curl with args; returns HTTP status and body (the status is printed last by -w). */
export async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const proc = Bun.spawn(["curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`curl exited ${code}: ${err}`);
  const nl = out.lastIndexOf("\n");
  return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
}
