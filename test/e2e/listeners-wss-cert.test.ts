// Client certificates on wss:// MQTT listeners (issue 22): `ClientAuth = "require"` needs a
// certificate from neo's CA at the TLS handshake and it identifies the client (no token);
// "optional" takes a certificate or a token. Bun.serve cannot show a client certificate,
// so the listener sits behind the TLS front (lib/tls-front.ts). Driven with MQTT.js.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";
import { foreignCerts, type Key, ROW } from "./tls-fixture.ts";
import { requiresTool } from "./requires.ts";

/** CONNACK 5 (v3.1.1 "not authorized") or 4 (bad user name or password) */
const REFUSED: (number | string)[] = [4, 5];
const need = requiresTool("openssl", "apt-get install openssl");

const CONF = `Http {
  EnableTokenAuth = true
}
Mqtt {
  EnableTokenAuth = true
  Listener "wss-cert" {
    Address = "wss://127.0.0.1:0"
    ClientAuth = "require"
    Credentials = ["certificate"]
  }
  Listener "wss-opt" {
    Address = "wss://127.0.0.1:0"
    ClientAuth = "optional"
  }
}
`;

describe.skipIf(need.skip)("client certificates on wss:// MQTT listeners", () => {
  let srv: Server;
  let dir: string;
  let ca: string;
  let dev: Key;
  let bad: Awaited<ReturnType<typeof foreignCerts>>;
  const at = (name: string) => {
    const l = srv.ready.mqttListeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.address.split(":").at(-1) ?? "0";
  };
  const connect = (listener: string, clientId: string, o: { cert?: string; key?: string; username?: string } = {}) =>
    mqtt.connectAsync(`wss://127.0.0.1:${at(listener)}/mqtt`, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      clientId,
      ca: readFileSync(ca),
      servername: "localhost",
      ...(o.cert && o.key ? { cert: readFileSync(o.cert), key: readFileSync(o.key) } : {}),
      ...(o.username ? { username: o.username } : {}),
    });
  /** the CONNACK code of a refused CONNECT, or "closed" when the TLS handshake failed */
  const refusal = (p: Promise<mqtt.MqttClient>) =>
    p.then(
      (c) => {
        c.end(true);
        return "connected";
      },
      (e: { code?: number | string }) => (typeof e.code === "number" ? e.code : "closed"),
    );
  const count = async () => {
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from WSSCERT")}`, {
      headers: { Authorization: `Bearer ${dev.token}` },
    });
    const j = (await r.json()) as { success: boolean; data?: { rows: number[][] } };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0;
  };

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-wss-cert-");
    const conf = join(dir, "neo.conf");
    await Bun.write(conf, CONF);
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    dev = await genKey(srv.data, "wss-dev1");
    bad = await foreignCerts(dir, "wss-dev1");
  }, 30_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("MQTT.js with its client certificate connects without a token and its QoS 1 rows are stored", async () => {
    const before = await count();
    const c = await connect("wss-cert", "wss-dev1", { cert: dev.cert, key: dev.key });
    await c.publishAsync("db/append/WSSCERT", ROW("wss.cert"), { qos: 1 });
    await c.endAsync();
    expect(await count()).toBe(before + 1);
  });

  test("ClientAuth require: no certificate, a foreign CA's or a self-signed one fails the TLS handshake; a token alone does not help", async () => {
    expect(await refusal(connect("wss-cert", "x1", { username: dev.token }))).toBe("closed");
    expect(await refusal(connect("wss-cert", "x2", bad.foreign))).toBe("closed");
    expect(await refusal(connect("wss-cert", "x3", bad.self))).toBe("closed");
  });

  test("ClientAuth optional: a certificate or a token identifies; nothing is refused (token auth on); a wrong token with the certificate is refused", async () => {
    const byCert = await connect("wss-opt", "wss-dev1", { cert: dev.cert, key: dev.key });
    await byCert.endAsync();
    const byToken = await connect("wss-opt", "wss-dev1", { username: dev.token });
    await byToken.endAsync();
    expect(REFUSED).toContain(await refusal(connect("wss-opt", "anon")));
    expect(REFUSED).toContain(
      await refusal(connect("wss-opt", "wss-dev1", { cert: dev.cert, key: dev.key, username: `${dev.token}x` })),
    );
    expect(await refusal(connect("wss-opt", "x4", bad.foreign))).toBe("closed");
  });

  test("the audit trail names the listener and the certificate method", async () => {
    const rows = await eventually(async () => {
      const r = await neo(["shell", "audit", "--format", "json", "--data", srv.data, "--limit", "100"]);
      const all = JSON.parse(r.stdout) as { listener?: string; result: string; action: string; method?: string }[];
      const seen = new Set(
        all.filter((e) => e.action === "connect").map((e) => `${e.listener} ${e.method} ${e.result}`),
      );
      return seen.has("wss-cert certificate ok") && seen.has("wss-opt token ok") ? seen : undefined;
    });
    expect(rows.has("wss-opt certificate ok")).toBe(true);
  });
});
