// The shared e2e fixture: one real `neo serve` in a temp data dir with registered keys,
// started before a file's tests and stopped (by PID) and removed after them, plus the
// HTTP and MQTT calls the tests make against it. Use it instead of hand-made setups:
//
//   const gw = useGateway({ args: TOKEN_AUTH, keys: ["dev1"] });
//   test("...", async () => { const r = await gw.query("select 1"); ... gw.key.token ... });
//
// withGateway() is the same for one test that needs its own server.
import { afterAll, beforeAll } from "bun:test";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { cleanup, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";

export type Key = Awaited<ReturnType<typeof genKey>>;

/** token authentication on MQTT and HTTP */
export const TOKEN_AUTH = ["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"];

export interface GatewayOptions {
  /** extra `neo serve` flags */
  args?: string[];
  /** a neo.conf text, written into the fixture's own temp dir and passed with --config */
  config?: string;
  /** client ids registered with `neo shell key gen` before the tests run */
  keys?: string[];
  /** also save the gateway CA (server-cert) as `ca` for TLS clients */
  ca?: boolean;
}

interface QueryReply {
  status: number;
  body: { success: boolean; reason: string; data: { columns: string[]; types: string[]; rows: unknown[][] } };
}

export interface Gateway {
  readonly srv: Server;
  /** mqtt://host:port */
  readonly url: string;
  /** a private temp dir for the test's own files (configs, client files) */
  readonly dir: string;
  /** the gateway CA's PEM file (with `ca: true`) */
  readonly ca: string;
  /** the registered keys by id, and the first one */
  readonly keys: Record<string, Key>;
  readonly key: Key;
  /** fetch on the HTTP API with `Authorization: Bearer <token>` (the first key's; null = none) */
  http(path: string, init?: RequestInit, token?: string | null): Promise<Response>;
  query(q: string, extra?: string, token?: string | null): Promise<QueryReply>;
  write(
    table: string,
    body: string | Buffer,
    contentType: string,
    extra?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: { success: boolean; reason: string } }>;
  /** MQTT.js connected with the first key's token as username */
  conn(opts?: IClientOptions): Promise<MqttClient>;
}

export async function openGateway(o: GatewayOptions = {}): Promise<Gateway & { close(): Promise<void> }> {
  const dir = tempDir("neo-e2e-own-");
  const args = [...(o.args ?? [])];
  if (o.config !== undefined) {
    await Bun.write(join(dir, "neo.conf"), o.config);
    args.push("--config", join(dir, "neo.conf"));
  }
  const srv = await startServer(args);
  const keys: Record<string, Key> = {};
  try {
    const ids = o.keys ?? [];
    const made = await Promise.all(ids.map((id) => genKey(srv.data, id)));
    ids.forEach((id, i) => {
      keys[id] = made[i]!;
    });
    const ca = join(dir, "neo.crt");
    if (o.ca) {
      const r = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    return gatewayOf(srv, dir, ca, keys, o.keys?.[0]);
  } catch (e) {
    await srv.stop();
    cleanup(srv.data);
    cleanup(dir);
    throw e;
  }
}

function gatewayOf(srv: Server, dir: string, ca: string, keys: Record<string, Key>, first?: string) {
  const url = `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
  const key = first ? keys[first]! : (undefined as unknown as Key);
  const http = (path: string, init: RequestInit = {}, token: string | null | undefined = key?.token) =>
    fetch(`${srv.httpUrl}${path}`, {
      ...init,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    });
  return {
    srv,
    url,
    dir,
    ca,
    keys,
    key,
    http,
    async query(q: string, extra = "", token: string | null | undefined = key?.token) {
      const r = await http(`/db/query?q=${encodeURIComponent(q)}${extra}`, {}, token);
      return { status: r.status, body: (await r.json()) as QueryReply["body"] };
    },
    async write(table: string, body: string | Buffer, contentType: string, extra = "", headers = {}) {
      const r = await http(`/db/write/${table}${extra}`, {
        method: "POST",
        body: body as Bun.BodyInit,
        headers: { "Content-Type": contentType, ...headers },
      });
      return { status: r.status, body: (await r.json()) as { success: boolean; reason: string } };
    },
    conn: (opts: IClientOptions = {}) =>
      mqtt.connectAsync(url, { username: key?.token, reconnectPeriod: 0, connectTimeout: 3000, ...opts }),
    async close() {
      await srv.stop();
      cleanup(srv.data);
      cleanup(dir);
    },
  };
}

/** A gateway for every test in this file: started in beforeAll, stopped in afterAll. */
export function useGateway(o: GatewayOptions = {}): Gateway {
  let gw: (Gateway & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    gw = await openGateway(o);
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
  });
  const live = () => {
    if (!gw) throw new Error("the gateway fixture is used before beforeAll ran");
    return gw;
  };
  return {
    get srv() {
      return live().srv;
    },
    get url() {
      return live().url;
    },
    get dir() {
      return live().dir;
    },
    get ca() {
      return live().ca;
    },
    get keys() {
      return live().keys;
    },
    get key() {
      return live().key;
    },
    http: (...a) => live().http(...a),
    query: (...a) => live().query(...a),
    write: (...a) => live().write(...a),
    conn: (...a) => live().conn(...a),
  };
}

/** One gateway for one test: started, handed to `fn`, always stopped and removed. */
export async function withGateway<T>(o: GatewayOptions, fn: (gw: Gateway) => Promise<T>): Promise<T> {
  const gw = await openGateway(o);
  try {
    return await fn(gw);
  } finally {
    await gw.close();
  }
}
