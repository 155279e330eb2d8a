// A Mosquitto user's two listeners from one config file (issue 22): plain MQTT on loopback
// for local apps, anonymous, beside MQTTS requiring client certificates and a token; each
// by name in the ready line, the audit trail and /metrics; a SIGHUP adds and removes
// listeners while the others' connections stay.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, ROW } from "./tls-fixture.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

const TWO = `Http {
  EnableTokenAuth = true
  MetricsPublic = true
}
Mqtt {
  Listener "local" {
    Address = "tcp://127.0.0.1:0"
    EnableTokenAuth = false
  }
  Listener "lan" {
    Address = "tls://127.0.0.1:0"
    ClientAuth = "require"
    EnableTokenAuth = true
  }
}
`;

describe.skipIf(need.skip)("two MQTT listeners with their own rules, from one config file", () => {
  let srv: Server;
  let dir: string;
  let conf: string;
  let ca: string;
  let dev: Key;
  const at = (name: string) => {
    const l = srv.ready.mqttListeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.address.split(":").at(-1) ?? "0";
  };
  const pub = (port: string, args: string[]) =>
    run(["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1", "-t", "db/append/LSTN", ...args], {
      timeoutMs: 10000,
    });
  const count = async () => {
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from LSTN")}`, {
      headers: { Authorization: `Bearer ${dev.token}` },
    });
    const j = (await r.json()) as { success: boolean; data?: { rows: number[][] } };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0;
  };

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-listeners-");
    conf = join(dir, "neo.conf");
    await Bun.write(conf, TWO);
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    dev = await genKey(srv.data, "lan-dev1");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("the ready line names both listeners with their transports", () => {
    expect(srv.ready.mqttListeners.map((l) => [l.name, l.transport])).toEqual([
      ["local", "tcp"],
      ["lan", "tls"],
    ]);
  });

  test("mosquitto_pub on the loopback listener needs no credential; on the TLS one it needs certificate and token", async () => {
    const before = await count();
    const plain = await pub(at("local"), ["-i", "local-app", "-m", ROW("local.pi")]);
    expect(plain.stderr).toBe("");
    expect(plain.code).toBe(0);
    const tls = await pub(at("lan"), [
      ...["--cafile", ca, "--cert", dev.cert, "--key", dev.key, "-i", "lan-dev1", "-u", dev.token],
      ...["-m", ROW("lan.pi")],
    ]);
    expect(tls.stderr).toBe("");
    expect(tls.code).toBe(0);
    expect(await count()).toBe(before + 2);
  });

  test("the TLS listener refuses a client without a certificate, and a certificate with another key's token", async () => {
    const other = await genKey(srv.data, "lan-dev2");
    const before = await count();
    const noCert = await pub(at("lan"), ["--cafile", ca, "-i", "x1", "-u", dev.token, "-m", ROW("no.cert")]);
    expect(noCert.code).not.toBe(0);
    const wrong = await pub(at("lan"), [
      ...["--cafile", ca, "--cert", dev.cert, "--key", dev.key, "-i", "lan-dev1", "-u", other.token],
      ...["-m", ROW("wrong.token")],
    ]);
    expect(wrong.code).not.toBe(0);
    expect(await count()).toBe(before);
  });

  test("on the loopback listener a token that is sent is still checked", async () => {
    const r = await pub(at("local"), ["-i", "lan-dev1", "-u", `${dev.token}x`, "-m", ROW("bad.token")]);
    expect(r.code).not.toBe(0);
  });

  test("the audit trail and /metrics name the listener", async () => {
    const rows = await eventually(async () => {
      const r = await neo(["shell", "audit", "--format", "json", "--data", srv.data, "--limit", "50"]);
      const all = JSON.parse(r.stdout) as { listener?: string; result: string; action: string }[];
      const seen = new Set(all.filter((e) => e.action === "connect").map((e) => `${e.listener} ${e.result}`));
      return seen.has("local ok") && seen.has("lan ok") && seen.has("lan fail") ? all : undefined;
    });
    expect(rows.length).toBeGreaterThan(0);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${at("local")}`, { reconnectPeriod: 0, clientId: "m1" });
    const metrics = await (
      await fetch(`${srv.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${dev.token}` } })
    ).text();
    await c.endAsync();
    expect(metrics).toContain('neo_mqtt_connections{listener="local"} 1');
  });

  test("$SYS/neo/clients/connected/<listener name> counts the named listener's clients", async () => {
    // the subscriber itself is on "local": the next $SYS round (every 10 s; -R skips the retained one) counts it
    const r = await run(
      [
        ...["mosquitto_sub", "-h", "127.0.0.1", "-p", at("local"), "-i", "sys-watch", "-v"],
        ...["-t", "$SYS/neo/clients/connected/local", "-R", "-C", "1", "-W", "15"],
      ],
      { timeoutMs: 30_000 },
    );
    const values = r.stdout
      .trim()
      .split("\n")
      .map((l) => Number(l.split(" ")[1]));
    expect(r.code).toBe(0);
    expect(Math.max(...values)).toBeGreaterThanOrEqual(1);
  }, 40_000);

  test("SIGHUP removes one listener and adds another; the remaining listener's connection stays", async () => {
    const lanPort = at("lan");
    const stay = await mqtt.connectAsync(`mqtt://127.0.0.1:${at("local")}`, { reconnectPeriod: 0, clientId: "stay" });
    let closed = false;
    stay.on("close", () => {
      closed = true;
    });
    await Bun.write(
      conf,
      TWO.replace(/ {2}Listener "lan" \{[^}]*\}\n/, '  Listener "other" {\n    Address = "tcp://127.0.0.1:0"\n  }\n'),
    );
    srv.proc.kill("SIGHUP");
    const line = await srv.waitForLog(/config reloaded: .*MQTT listener "lan" removed/);
    const other = /MQTT listener "other" tcp:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1];
    expect(other).toBeDefined();
    const r = await pub(other ?? "0", ["-i", "other-app", "-m", ROW("other.pi")]);
    expect(r.code).toBe(0);
    const gone = await pub(lanPort, [
      "--cafile",
      ca,
      "--cert",
      dev.cert,
      "--key",
      dev.key,
      "-i",
      "lan-dev1",
      "-m",
      "x",
    ]);
    expect(gone.code).not.toBe(0);
    await stay.publishAsync("still/here", "1", { qos: 1 });
    expect(closed).toBe(false);
    await stay.endAsync();
  });

  test("a Listener without an Address is refused with the file, line and column of its block", async () => {
    const bad = join(dir, "bad.conf");
    await Bun.write(bad, 'Mqtt {\n  Listener "x" {\n    EnableTokenAuth = true\n  }\n}\n');
    const r = await neo(["config", "check", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2:12: Mqtt.Listener "x": no Address`);
  });
});
