// Two HTTP listeners from one config file (issue 22): plain HTTP on loopback for local
// scripts with token auth off, beside HTTPS on another address that requires a client
// certificate (and takes nothing else); each by name in the ready line, the audit trail,
// /metrics and $SYS; EST only on the https:// one; a SIGHUP removes one while the other's
// connection (an MQTT-over-WebSocket session) runs on. Driven with curl and MQTT.js.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import type { Key } from "./tls-fixture.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("curl", "apt-get install curl");

const TWO = `Http {
  EnableTokenAuth = true
  MetricsPublic = true
  Listener "local" {
    Address = "http://127.0.0.1:0"
    EnableTokenAuth = false
    AnonymousScopes = ["tables:read:*", "tables:write:HTTPL"]
    Credentials = ["pat", "access_key", "session"]
  }
  Listener "lan" {
    Address = "https://127.0.0.2:0"
    ClientAuth = "require"
    Credentials = ["certificate"]
  }
}
`;

const SQL = "select count(*) from HTTPL";
const ROW = (name: string, v: number) =>
  JSON.stringify({ data: { columns: ["NAME", "TIME", "VALUE"], rows: [[name, 1700000000000000000 + v, v]] } });

describe.skipIf(need.skip)("two HTTP listeners with their own rules, from one config file", () => {
  let srv: Server;
  let dir: string;
  let conf: string;
  let ca: string;
  let dev: Key;
  const url = (name: string) => {
    const l = srv.ready.httpListeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return `${l.transport}://${l.address}`;
  };
  /** curl's HTTP status (or "000" when no answer), body in `body` */
  const curl = async (args: string[]) => {
    const r = await run(["curl", "-s", "-S", "-w", "\n%{http_code}", ...args], { timeoutMs: 10_000 });
    const i = r.stdout.lastIndexOf("\n");
    return { code: r.code, status: r.stdout.slice(i + 1), body: r.stdout.slice(0, i), stderr: r.stderr };
  };
  const withCert = () => ["--cacert", ca, "--cert", dev.cert, "--key", dev.key];

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-http-listeners-");
    conf = join(dir, "neo.conf");
    await Bun.write(conf, TWO);
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    dev = await genKey(srv.data, "http-dev1");
  }, 30_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("the ready line names both HTTP listeners with their transports", () => {
    expect(srv.ready.httpListeners.map((l) => [l.name, l.transport])).toEqual([
      ["local", "http"],
      ["lan", "https"],
    ]);
    expect(srv.ready.httpListeners[1]?.address).toStartWith("127.0.0.2:");
  });

  test("curl on the loopback listener needs no token; the https one takes a client certificate", async () => {
    const local = await curl([
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "-d",
      ROW("local", 1),
      `${url("local")}/db/write/HTTPL`,
    ]);
    expect(local.status).toBe("200");
    const lan = await curl([
      ...withCert(),
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "-d",
      ROW("lan", 2),
      `${url("lan")}/db/write/HTTPL`,
    ]);
    expect(lan.status).toBe("200");
    const q = await curl([...withCert(), "-G", "--data-urlencode", `q=${SQL}`, `${url("lan")}/db/query`]);
    expect(q.status).toBe("200");
    expect(JSON.parse(q.body).data.rows[0][0]).toBe(2);
  });

  test("the https listener refuses a client without a certificate; a token sent on the loopback one is still checked", async () => {
    const noCert = await curl(["--cacert", ca, `${url("lan")}/db/query?q=select+1`]);
    expect(noCert.status).toBe("000");
    expect(noCert.code).not.toBe(0);
    // a valid certificate with the same client's token is the certificate form (Credentials = ["certificate"])
    const both = await curl([
      ...withCert(),
      "-H",
      `Authorization: Bearer ${dev.token}`,
      "-G",
      "--data-urlencode",
      `q=${SQL}`,
      `${url("lan")}/db/query`,
    ]);
    expect(both.status).toBe("200");
    // on the loopback listener a token that is sent is still checked
    const wrong = await curl(["-H", `Authorization: Bearer ${dev.token}x`, `${url("local")}/db/query?q=select+1`]);
    expect(wrong.status).toBe("401");
  });

  test("on the loopback listener anonymous callers have its AnonymousScopes, and a client token is not taken", async () => {
    const other = await curl([
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "-d",
      ROW("x", 3),
      `${url("local")}/db/write/HTTPX`,
    ]);
    expect(other.status).toBe("403");
    const token = await curl([
      "-H",
      `Authorization: Bearer ${dev.token}`,
      `${url("local")}/db/query?q=${encodeURIComponent(SQL)}`,
    ]);
    expect(token.status).toBe("403");
    expect(JSON.parse(token.body).reason).toBe("a client token cannot be used here");
    // MQTT over WebSocket on this listener's /mqtt follows its rules too: anonymous is fine, a client token is not
    const wsUrl = `${url("local").replace("http", "ws")}/mqtt`;
    const anon = await mqtt.connectAsync(wsUrl, { reconnectPeriod: 0, clientId: "local-anon" });
    await anon.endAsync();
    const refused = await mqtt
      .connectAsync(wsUrl, { reconnectPeriod: 0, clientId: "http-dev1", username: dev.token })
      .then(
        (c) => {
          c.end(true);
          return 0;
        },
        (e: { code?: number }) => e.code ?? -1,
      );
    expect(refused).toBe(5);
  });

  test("the console's Overview lists each HTTP listener with its address and rules", async () => {
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    const login = await fetch(`${url("local")}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password }),
    });
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const r = await fetch(`${url("local")}/web/api/console/overview`, {
      headers: { Authorization: `Bearer ${session}` },
    });
    const ov = (
      (await r.json()) as { data: { listeners: { name: string; address: string; tls: boolean; auth: string }[] } }
    ).data;
    const byName = new Map(ov.listeners.map((l) => [l.name, l]));
    expect(byName.get('HTTP "local"')?.address).toBe(url("local").replace("http://", ""));
    expect(byName.get('HTTP "local"')?.auth).toContain("anonymous allowed");
    expect(byName.get('HTTP "lan"')).toMatchObject({ address: url("lan").replace("https://", ""), tls: true });
    expect(byName.get('HTTP "lan"')?.auth).toContain("client certificate (require)");
  });

  test("EST is served on the https:// listener only", async () => {
    const plain = await curl([`${url("local")}/.well-known/est/cacerts`]);
    expect(plain.status).toBe("403");
    expect(JSON.parse(plain.body).reason).toContain("https:// listeners only");
    const tls = await curl([...withCert(), `${url("lan")}/.well-known/est/cacerts`]);
    expect(tls.status).toBe("200");
  });

  test("the audit trail, /metrics and $SYS name each HTTP listener", async () => {
    const seen = await eventually(async () => {
      const r = await neo(["shell", "audit", "--format", "json", "--data", srv.data, "--limit", "100"]);
      const all = JSON.parse(r.stdout) as { listener?: string; result: string; method?: string }[];
      const s = new Set(all.map((e) => `${e.listener} ${e.method} ${e.result}`));
      return s.has("lan certificate ok") && s.has("local token fail") ? s : undefined;
    });
    expect(seen.size).toBeGreaterThan(0);
    const m = await curl([`${url("local")}/metrics`]);
    expect(m.body).toMatch(/neo_http_requests_total\{listener="local"\} [1-9]/);
    expect(m.body).toMatch(/neo_http_requests_total\{listener="lan"\} [1-9]/);
    expect(m.body).toContain('neo_auth_attempts_total{listener="lan",method="certificate",result="success"}');
    // $SYS/neo/http/requests/<name>, retained, every 10 s
    const [host, port] = srv.ready.mqtt.split(":");
    const sub = await mqtt.connectAsync(`mqtt://${host}:${port}`, { reconnectPeriod: 0, clientId: "sys-http" });
    const counts = new Map<string, number>();
    sub.on("message", (t, p) => counts.set(t, Number(p.toString())));
    await sub.subscribeAsync("$SYS/neo/http/requests/+");
    await eventually(
      () => (counts.get("$SYS/neo/http/requests/lan") ?? 0) > 0 && counts.has("$SYS/neo/http/requests/local"),
      25_000,
    );
    await sub.endAsync();
  }, 40_000);

  test("on the https listener MQTT over WSS and a channel WebSocket are identified by the client certificate", async () => {
    for (const args of [
      ["channel", "create", "plant-l"],
      ["channel", "connect", "plant-l", "http-dev1"],
    ]) {
      const r = await neo(["shell", ...args, "--data", srv.data]);
      expect(r.code).toBe(0);
    }
    const lan = url("lan").replace("https://", "wss://");
    const tls = { ca: readFileSync(ca), cert: readFileSync(dev.cert), key: readFileSync(dev.key) };
    const sub = await mqtt.connectAsync(`${lan}/mqtt`, { ...tls, clientId: "http-dev1", reconnectPeriod: 0 });
    try {
      await sub.subscribeAsync("channels/plant-l/messages", { qos: 1 });
      const got = new Promise<string>((resolve) => sub.on("message", (_t, p) => resolve(p.toString())));
      const ws = new WebSocket(`${lan}/ws/channels/plant-l/messages`, { tls } as unknown as string[]);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("websocket refused"));
      });
      ws.send("over the lan");
      expect(await got).toBe("over the lan");
      ws.close();
    } finally {
      await sub.endAsync();
    }
  });

  test("SIGHUP removes the https listener and adds another; the loopback one's WebSocket session and new requests go on", async () => {
    const lan = url("lan");
    const ws = await mqtt.connectAsync(`${url("local").replace("http", "ws")}/mqtt`, {
      reconnectPeriod: 0,
      clientId: "stay-ws",
    });
    let closed = false;
    ws.on("close", () => {
      closed = true;
    });
    // a WebSocket session on a named HTTP listener counts under that listener's name
    const m = await curl([`${url("local")}/metrics`]);
    expect(m.body).toContain('neo_mqtt_connections{listener="local"} 1');
    await Bun.write(conf, TWO.replace('Listener "lan"', 'Listener "lan2"'));
    srv.proc.kill("SIGHUP");
    const line = await srv.waitForLog(/config reloaded: .*HTTP listener "lan" removed.*/);
    const lan2 = /HTTP listener "lan2" (https:\/\/127\.0\.0\.2:\d+)/.exec(line)?.[1];
    expect(lan2).toBeDefined();
    const added = await curl([...withCert(), `${lan2}/health`]);
    expect(added.status).toBe("200");
    const gone = await eventually(async () => {
      const r = await curl([...withCert(), `${lan}/health`]);
      return r.status === "000" ? r : undefined;
    });
    expect(gone.code).not.toBe(0);
    await ws.publishAsync("still/here", "1", { qos: 1 });
    expect(closed).toBe(false);
    const again = await curl([`${url("local")}/db/query?q=${encodeURIComponent(SQL)}`]);
    expect(again.status).toBe("200");
    await ws.endAsync();
  });

  test("a ClientAuth on an http:// listener is refused with the file, line and column of its block", async () => {
    const bad = join(dir, "bad.conf");
    await Bun.write(
      bad,
      'Http {\n  Listener "a" { Address = "http://127.0.0.1:0" }\n  Listener "b" {\n    Address = "http://127.0.0.1:1"\n    ClientAuth = "require"\n  }\n}\nMqtt {\n  Listener "a" { Address = "tcp://127.0.0.1:0" }\n}\n',
    );
    const r = await neo(["config", "check", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2:12: Http.Listener "a": a Mqtt.Listener has this name`);
    expect(r.stderr).toContain(`${bad}:3:12: Http.Listener "b": ClientAuth needs a https:// Address`);
  });
});
