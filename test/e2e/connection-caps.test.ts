// One key, or one address, cannot take every file descriptor: connections past
// Mqtt.MaxConnectionsPerClient get CONNACK 0x97 (3.1.1: 3), past MaxConnectionsPerAddress
// 0x9F (3.1.1: 5), at once; and with the process limit lowered (prlimit --nofile 300) a
// flood of sockets leaves the reserve free: /health, /metrics, a query (a new query
// process) and the operator's CLI keep working, sockets past the broker's share are
// closed at once, nothing throws, and the broker takes clients again once the flood ends.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, type Server, startServer, tempDir } from "./harness.ts";
import { connack } from "./mqtt-connack.ts";

const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

describe("connection caps", () => {
  let srv: Server;
  let dir: string;
  let token: string;
  beforeAll(async () => {
    dir = tempDir();
    await Bun.write(
      join(dir, "neo.conf"),
      "Mqtt {\n  MaxConnectionsPerClient = 3\n  MaxConnectionsPerAddress = 5\n}\nHttp { MetricsPublic = true }\n",
    );
    // the process's descriptor limit: 300 (the broker gets 300 - 64 - those open at start)
    srv = await startServer(["--config", join(dir, "neo.conf"), "--mqtt-enable-token-auth", "true"], {
      data: join(dir, "data"),
      wrap: ["prlimit", "--nofile=300:300", "--"],
    });
    token = (await genKey(srv.data, "fleet")).token;
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(dir);
  });

  test("a key past MaxConnectionsPerClient gets 0x97 (v5) / 3 (3.1.1); an address past MaxConnectionsPerAddress 0x9F / 5", async () => {
    const port = srv.mqttPort;
    // held connections of one key (the CONNACK helper closes its socket; these stay open)
    const held: net.Socket[] = [];
    const hold = (clientId: string, localAddress: string) =>
      new Promise<void>((resolve) => {
        const s = net.connect({ port, host: "127.0.0.1", localAddress });
        s.on("data", () => resolve());
        s.on("error", () => {});
        const id = Buffer.from(clientId);
        const user = Buffer.from(token);
        const body = Buffer.concat([
          Buffer.from([0, 4]),
          Buffer.from("MQTT"),
          Buffer.from([4, 0x82, 0, 30, 0, id.length]),
          id,
          Buffer.from([user.length >> 8, user.length & 255]),
          user,
        ]);
        s.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
        held.push(s);
      });
    for (let i = 0; i < 3; i++) await hold(`k${i}`, "127.0.0.2");
    expect(
      await connack({ port, clientId: "k3", username: token, protocolVersion: 5, localAddress: "127.0.0.3" }),
    ).toBe(0x97);
    expect(
      await connack({ port, clientId: "k4", username: token, protocolVersion: 4, localAddress: "127.0.0.3" }),
    ).toBe(3);
    // taking over one's own client id is not one more
    expect(
      await connack({ port, clientId: "k0", username: token, protocolVersion: 5, localAddress: "127.0.0.3" }),
    ).toBe(0);
    for (const s of held) s.destroy();
    // an address with 5 open sockets: the 6th CONNECT is refused for the rate
    const idle: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const s = net.connect({ port, host: "127.0.0.1", localAddress: "127.0.0.4" });
      s.on("error", () => {});
      idle.push(s);
      await new Promise((r) => s.on("connect", r));
    }
    await eventually(async () => {
      const code = await connack({
        port,
        clientId: "a6",
        username: token,
        protocolVersion: 5,
        localAddress: "127.0.0.4",
      });
      return code === 0x9f;
    });
    expect(
      await connack({ port, clientId: "a7", username: token, protocolVersion: 4, localAddress: "127.0.0.4" }),
    ).toBe(5);
    for (const s of idle) s.destroy();
  });

  test("at the descriptor limit the broker closes new sockets at once and /health, /metrics, a query and the CLI still answer", async () => {
    const port = srv.mqttPort;
    const flood: net.Socket[] = [];
    let closedByServer = 0;
    // 400 sockets from 100 addresses (under the per-address cap): more than the process may open
    for (let i = 0; i < 400; i++) {
      const s = net.connect({ port, host: "127.0.0.1", localAddress: `127.0.1.${1 + (i % 100)}` });
      s.on("error", () => {});
      s.on("close", () => closedByServer++);
      flood.push(s);
    }
    await eventually(() => closedByServer >= 100, 10_000);
    const health = await fetch(`${srv.httpUrl}/health`);
    expect(health.status).toBe(200);
    const m = await (await fetch(`${srv.httpUrl}/metrics`)).text();
    expect(metric(m, /neo_mqtt_connections_refused_total\{reason="descriptors"\} (\d+)/)).toBeGreaterThanOrEqual(100);
    const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select 42 as answer")}`);
    expect(q.status).toBe(200);
    expect(((await q.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[42]]);
    const list = await neo(["shell", "key", "list", "--data", srv.data]);
    expect(list.code).toBe(0);
    // a new MQTT client is closed at once (not left hanging) while the flood holds its share
    expect(await connack({ port, clientId: "late", username: token, timeoutMs: 3000 })).toBe(-1);
    for (const s of flood) s.destroy();
    // the flood is gone: clients get in again
    await eventually(async () => (await connack({ port, clientId: "after", username: token })) === 0, 10_000);
    expect(srv.logs()).not.toMatch(/Failed to get memory usage|uncaught|EMFILE/i);
  });
});

test("an address past Http.MaxRequestsPerAddress gets 503 with Retry-After until its answers are read; /health still answers", async () => {
  const dir = tempDir();
  // three query processes and a long timeout: the held answers run side by side and none is
  // stopped while the test waits (with the default two workers the third waited for the first
  // to time out at 10 s, which freed its slot first on a loaded machine)
  await Bun.write(
    join(dir, "neo.conf"),
    'Http { MaxRequestsPerAddress = 3 }\nQuery {\n  Workers = 3\n  Timeout = "120s"\n}\n',
  );
  const srv = await startServer(["--config", join(dir, "neo.conf")], { data: join(dir, "data") });
  try {
    const port = Number(srv.ready.http.split(":").pop());
    // three requests whose ~12 MB answers are not read hold the address's three slots
    const big =
      "with recursive c(x) as (select 1 union all select x+1 from c where x < 300000) select x, printf('%.30c', 'v') from c";
    const held: net.Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = net.connect(port, "127.0.0.1");
      s.on("error", () => {});
      const first = new Promise<void>((r) => s.once("data", () => r()));
      s.write(`GET /db/query?q=${encodeURIComponent(big)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      s.pause();
      held.push(s);
      s.resume();
      await first;
      s.pause();
    }
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select 1")}`);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(((await r.json()) as { reason: string }).reason).toContain("Http.MaxRequestsPerAddress");
    expect((await fetch(`${srv.httpUrl}/health`)).status).toBe(200);
    // the readers go away: their slots come back
    for (const s of held) s.destroy();
    await eventually(async () => (await fetch(`${srv.httpUrl}/db/query?q=select%201`)).status === 200, 20_000);
  } finally {
    await srv.stop();
    cleanup(dir);
  }
}, 60_000);
