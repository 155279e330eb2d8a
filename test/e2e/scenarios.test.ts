// QA scenarios a demanding Mosquitto / EMQX / machbase-neo user tries, with real clients
// (neo CLI, curl, openssl, mosquitto_pub/sub, MQTT.js, raw sockets via mqtt-packet).
// Only behaviour not already covered by the other e2e files lives here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";

type Key = Awaited<ReturnType<typeof genKey>>;
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Msg {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  props?: Record<string, unknown>;
}

/** connect with the message handler attached before CONNACK (queued messages arrive right after it) */
function connectCollect(url: string, opts: IClientOptions) {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
  const got: Msg[] = [];
  let sessionPresent: boolean | undefined;
  c.on("message", (topic, p, pk) =>
    got.push({
      topic,
      payload: p.toString(),
      qos: pk.qos,
      retain: pk.retain,
      dup: pk.dup,
      props: pk.properties as Record<string, unknown> | undefined,
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    c.once("connect", (ck) => {
      sessionPresent = ck.sessionPresent;
      resolve();
    });
    c.once("error", reject);
  });
  return { c, got, ready, sessionPresent: () => sessionPresent };
}

/** resolves with the v5 DISCONNECT reason code (or -1) when the connection closes */
function closedWith(c: MqttClient): Promise<number> {
  return new Promise((resolve) => {
    let code = -1;
    c.on("disconnect", (p) => (code = p.reasonCode ?? -1));
    c.on("close", () => resolve(code));
  });
}

/** publish and return the PUBACK reason code (MQTT.js reports failures as an error with .code) */
function pubCode(
  c: MqttClient,
  topic: string,
  payload: string | Buffer,
  opts: Record<string, unknown> = {},
): Promise<number> {
  return new Promise((resolve, reject) =>
    c.publish(topic, payload, { qos: 1, ...opts }, (err, pkt) => {
      if (err && (err as { code?: number }).code !== undefined) return resolve((err as { code: number }).code);
      if (err) return reject(err);
      resolve((pkt as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
    }),
  );
}

/** a raw MQTT socket: send packets or bytes, see what comes back and when it closes */
function rawClient(port: number, protocolVersion = 4) {
  const s = net.connect(port, "127.0.0.1");
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: mqttPacket.Packet[] = [];
  // null while open; a close within the same millisecond as the connect still counts
  let closedAt: number | null = null;
  const t0 = performance.now();
  s.on("data", (d) => parser.parse(Buffer.from(d)));
  parser.on("packet", (p) => packets.push(p));
  s.on("close", () => (closedAt = Math.max(performance.now() - t0, 0.001)));
  s.on("error", () => {});
  return {
    s,
    packets,
    cmds: () => packets.map((p) => p.cmd),
    /** ms from creation to close, 0 while open */
    closedAfter: () => closedAt ?? 0,
    send: (p: object) => s.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion })),
    ready: new Promise<void>((r) => s.on("connect", () => r())),
  };
}

describe("a token-auth gateway used the way Mosquitto/EMQX users use a broker", () => {
  let srv: Server;
  let app: Key;
  let url: string;

  beforeAll(async () => {
    srv = await startServer(["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"]);
    app = await genKey(srv.data, "qa-app01");
    url = `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(srv.data);
  });

  const http = (path: string, init: RequestInit = {}, token: string | null = app.token) =>
    fetch(`${srv.httpUrl}${path}`, {
      ...init,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    });
  const query = async (q: string, extra = "", token: string | null = app.token) => {
    const r = await http(`/db/query?q=${encodeURIComponent(q)}${extra}`, {}, token);
    return {
      status: r.status,
      body: (await r.json()) as {
        success: boolean;
        reason: string;
        data: { columns: string[]; types: string[]; rows: unknown[][] };
      },
    };
  };
  const write = async (
    table: string,
    body: string | Buffer,
    contentType: string,
    extra = "",
    headers: Record<string, string> = {},
  ) => {
    const r = await http(`/db/write/${table}${extra}`, {
      method: "POST",
      body: body as Bun.BodyInit,
      headers: { "Content-Type": contentType, ...headers },
    });
    return { status: r.status, body: (await r.json()) as { success: boolean; reason: string } };
  };
  const conn = (opts: IClientOptions = {}) =>
    mqtt.connectAsync(url, { username: app.token, reconnectPeriod: 0, connectTimeout: 3000, ...opts });

  // ---------- CLI: neo shell key ----------

  test("key gen refuses a duplicate id and malformed ids with exit 1 and a clear message, registering nothing", async () => {
    const dup = await neo(["shell", "key", "gen", "qa-app01", "--data", srv.data]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('client "qa-app01" already exists');
    for (const id of ["Bad_ID", "a/../b", "x".repeat(65), "ok\n"]) {
      const r = await neo(["shell", "key", "gen", id, "--data", srv.data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("invalid client id");
    }
    const list = JSON.parse((await neo(["shell", "key", "list", "--format", "json", "--data", srv.data])).stdout) as {
      id: string;
    }[];
    expect(list.map((k) => k.id)).toEqual(["qa-app01"]);
  });

  test("key gen accepts a 64-character id and refuses to overwrite existing output files", async () => {
    const id = "a".repeat(64);
    const k = await genKey(srv.data, id);
    expect(k.token.startsWith(`${id}:b:`)).toBe(true);
    const again = await neo(["shell", "key", "gen", "qa-clobber", "--output", k.prefix, "--data", srv.data]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect((await Bun.file(k.tokenFile).text()).trim()).toBe(k.token);
    const list = (await neo(["shell", "key", "list", "--format", "json", "--data", srv.data])).stdout;
    expect(list).not.toContain("qa-clobber");
    await neo(["shell", "key", "del", id, "--data", srv.data]);
  });

  test("key gen without --output prints the certificate, the key, the TOKEN line and the last-chance caution", async () => {
    const r = await neo(["shell", "key", "gen", "qa-noout", "--data", srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("-----BEGIN CERTIFICATE-----");
    expect(r.stdout).toContain("-----BEGIN PRIVATE KEY-----");
    expect(r.stdout).toMatch(/^TOKEN qa-noout:b:[0-9a-f]{64}$/m);
    expect(r.stdout + r.stderr).toContain("This is the last chance to copy");
    const token = /TOKEN (\S+)/.exec(r.stdout)![1]!;
    expect((await query("select 1", "", token)).status).toBe(200);
  });

  test("key gen --type rsa issues a 2048-bit RSA client certificate with CN = id and clientAuth usage", async () => {
    const k = await genKey(srv.data, "qa-rsa01", ["--type", "rsa"]);
    const t = (await run(["openssl", "x509", "-in", k.cert, "-noout", "-text"])).stdout;
    expect(t).toContain("Public-Key: (2048 bit)");
    expect(t).toContain("rsaEncryption");
    expect(t).toMatch(/Subject: CN\s?=\s?qa-rsa01/);
    expect(t).toContain("TLS Web Client Authentication");
  });

  test("key gen option errors are usage errors (exit 2) with a message naming the option", async () => {
    for (const [args, msg] of [
      [["--days", "0"], "--days"],
      [["--not-after", "notadate"], "--not-after"],
      [["--days", "10", "--not-after", "2030-01-01T00:00:00Z"], "either --days or --not-after"],
      [["--type", "dsa"], "--type"],
    ] as const) {
      const r = await neo(["shell", "key", "gen", "qa-opt", ...args, "--data", srv.data]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });

  test("key list shows the seed's box header plus status, and --format rejects unknown formats", async () => {
    const r = await neo(["shell", "key", "list", "--data", srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ ROWNUM │ ID\s+│ VALID FROM\s+│ EXPIRE\s+│/);
    expect(r.stdout).toMatch(/│\s+1 │ qa-app01\s+│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC │/);
    const bad = await neo(["shell", "key", "list", "--format", "xml", "--data", srv.data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--format");
  });

  test("key del and revoke of an unknown id fail with exit 1 and 'not found'", async () => {
    for (const cmd of ["del", "revoke"]) {
      const r = await neo(["shell", "key", cmd, "qa-nosuch", "--data", srv.data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('client "qa-nosuch" not found');
    }
  });

  test("a revoked key's token is refused over HTTP at once, list shows it revoked, and it cannot be rotated", async () => {
    const k = await genKey(srv.data, "qa-rev01");
    expect((await query("select 1", "", k.token)).status).toBe(200);
    const r = await neo(["shell", "key", "revoke", "qa-rev01", "--data", srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("revoked");
    const after = await query("select 1", "", k.token);
    expect(after.status).toBe(401);
    expect(after.body.reason).toBe("invalid token");
    const list = JSON.parse((await neo(["shell", "key", "list", "--format", "json", "--data", srv.data])).stdout) as {
      id: string;
      status: string;
    }[];
    expect(list.find((x) => x.id === "qa-rev01")?.status).toBe("revoked");
    const rot = await neo(["shell", "key", "rotate", "qa-rev01", "--output", `${k.prefix}-rot`, "--data", srv.data]);
    expect(rot.code).toBe(1);
    expect(rot.stderr).toContain("revoked");
  });

  test("rotate prints the three Save lines; the old token is refused and the new one works on HTTP and MQTT", async () => {
    const k = await genKey(srv.data, "qa-rot01");
    const prefix = `${k.prefix}-new`;
    const r = await neo(["shell", "key", "rotate", "qa-rot01", "--output", prefix, "--data", srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      `Save certificate ${prefix}_cert.pem`,
      `Save private key ${prefix}_key.pem`,
      `Save token ${prefix}_token`,
    ]);
    const fresh = (await Bun.file(`${prefix}_token`).text()).trim();
    expect(fresh).not.toBe(k.token);
    expect((await query("select 1", "", k.token)).status).toBe(401);
    expect((await query("select 1", "", fresh)).status).toBe(200);
    const old = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-u",
      k.token,
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(old.stderr).toContain("not authorised");
    const ok = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-u",
      fresh,
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(ok.code).toBe(0);
  });

  // ---------- HTTP API ----------

  test("query timeformat ns, us, ms, s and RFC3339 render the same instant", async () => {
    const w = await write(
      "QATF",
      JSON.stringify({ data: { columns: ["NAME", "TIME", "VALUE"], rows: [["t", 1675851592123456789, 1]] } }),
      "application/json",
    );
    // the literal above loses precision as a JS number: send it exactly instead
    expect(w.status).toBe(200);
    await write("QATF", "exact,1675851592123456789,2\n", "text/csv");
    const at = async (tf: string) =>
      (await query("select TIME from QATF where NAME = 'exact'", `&timeformat=${tf}`)).body.data.rows[0]![0];
    expect(await at("ns")).toBe(1675851592123456789);
    expect(await at("us")).toBe(1675851592123456);
    expect(await at("ms")).toBe(1675851592123);
    expect(await at("s")).toBe(1675851592);
    expect(await at("RFC3339")).toBe("2023-02-08T10:19:52Z");
  });

  test("write timeformat s, ms, us and RFC3339 (fractions and offsets) store exact nanoseconds", async () => {
    const rows = (name: string, t: unknown) =>
      JSON.stringify({ data: { columns: ["NAME", "TIME", "VALUE"], rows: [[name, t, 1]] } });
    expect((await write("QAWTF", rows("s", 1675851592), "application/json", "?timeformat=s")).status).toBe(200);
    expect((await write("QAWTF", rows("ms", 1675851592123), "application/json", "?timeformat=ms")).status).toBe(200);
    expect((await write("QAWTF", rows("us", 1675851592123456), "application/json", "?timeformat=us")).status).toBe(200);
    expect(
      (await write("QAWTF", rows("rfc", "2023-02-08T10:19:52.123456789Z"), "application/json", "?timeformat=RFC3339"))
        .status,
    ).toBe(200);
    expect(
      (await write("QAWTF", rows("rfcoff", "2023-02-08T19:19:52+09:00"), "application/json", "?timeformat=RFC3339"))
        .status,
    ).toBe(200);
    expect((await write("QAWTF", "csvrfc,2023-02-08T10:19:52Z,2\n", "text/csv", "?timeformat=RFC3339")).status).toBe(
      200,
    );
    const q = await query("select NAME, TIME from QAWTF order by NAME");
    expect(q.body.data.rows).toEqual([
      ["csvrfc", 1675851592000000000],
      ["ms", 1675851592123000000],
      ["rfc", 1675851592123456789],
      ["rfcoff", 1675851592000000000],
      ["s", 1675851592000000000],
      ["us", 1675851592123456000],
    ]);
    const bad = await write("QAWTF", "x,1,2\n", "text/csv", "?timeformat=bogus");
    expect(bad.status).toBe(400);
    expect(bad.body.success).toBe(false);
  });

  test("a gzip-encoded CSV body is written; broken gzip and a gzip bomb get 400 with a reason", async () => {
    const ok = await write("QAGZ", gzipSync("gz,1675851592000000000,1\ngz,1675851592000000001,2\n"), "text/csv", "", {
      "Content-Encoding": "gzip",
    });
    expect(ok).toEqual({
      status: 200,
      body: expect.objectContaining({ success: true, reason: "success, 2 record(s) inserted" }),
    });
    const broken = await write("QAGZ", "notgzip", "text/csv", "", { "Content-Encoding": "gzip" });
    expect(broken.status).toBe(400);
    expect(broken.body.reason).toContain("gzip");
    const bomb = await write("QAGZ", gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x61), { level: 1 }), "text/csv", "", {
      "Content-Encoding": "gzip",
    });
    expect(bomb.status).toBe(400);
    expect(bomb.body.reason).toContain("exceeds");
    expect((await http("/health")).status).toBe(200);
  });

  test("a CSV header line is skipped and header=columns reorders the fields", async () => {
    expect((await write("QAHDR", "NAME,TIME,VALUE\nh1,1675851592000000000,1\n", "text/csv")).body.reason).toBe(
      "success, 1 record(s) inserted",
    );
    expect(
      (await write("QAHDR", "TIME,NAME,VALUE\n1675851592000000000,h2,2\n", "text/csv", "?header=columns")).status,
    ).toBe(200);
    const q = await query("select NAME, VALUE from QAHDR order by NAME");
    expect(q.body.data.rows).toEqual([
      ["h1", 1],
      ["h2", 2],
    ]);
  });

  test("tricky writes through /db/query are refused 400 and leave no file behind", async () => {
    const dir = tempDir("neo-qa-sql-");
    for (const q of [
      "PRAGMA journal_mode=DELETE",
      `ATTACH DATABASE '${dir}/evil.db' AS evil`,
      `VACUUM INTO '${dir}/evil2.db'`,
      "with x as (select 1) delete from QAGZ",
      "  -- a comment first\ndelete from QAGZ",
      "create temp table t(a)",
      "select load_extension('/tmp/x.so')",
      "BEGIN IMMEDIATE",
    ]) {
      const r = await query(q);
      expect(r.status).toBe(400);
      expect(r.body.success).toBe(false);
    }
    expect(existsSync(`${dir}/evil.db`) || existsSync(`${dir}/evil2.db`)).toBe(false);
    expect((await query("select count(*) from QAGZ")).body.data.rows[0]![0]).toBe(2);
    cleanup(dir);
  });

  test("query takes q from a form body and a JSON body; wrong shapes get 400 with a reason", async () => {
    const form = await http("/db/query", { method: "POST", body: new URLSearchParams({ q: "select 2 as N" }) });
    expect(((await form.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[2]]);
    const json = await http("/db/query", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ q: "select TIME from QAWTF where NAME='s'", timeformat: "s" }),
    });
    expect(((await json.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[1675851592]]);
    for (const body of ['{"q":1}', "{bad", "[]", "null"]) {
      const r = await http("/db/query", { method: "POST", headers: { "Content-Type": "application/json" }, body });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { success: boolean }).success).toBe(false);
    }
    expect((await query("")).body.reason).toBe("missing query (q)");
  });

  test("wrong methods get 405 and unknown paths 404, both as JSON", async () => {
    const put = await http("/db/query", { method: "PUT" });
    expect(put.status).toBe(405);
    expect(await put.json()).toEqual({ success: false, reason: "method not allowed" });
    const get = await http("/db/write/QAGZ");
    expect(get.status).toBe(405);
    const nf = await http("/db/nothing");
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { success: boolean }).success).toBe(false);
  });

  test("int64 results beyond 2^53 come back exact, not rounded", async () => {
    const r = await http(
      `/db/query?q=${encodeURIComponent("select 9223372036854775807 as X, 1675851592123456789 + 1 as T")}`,
    );
    const text = await r.text();
    expect(text).toContain("[9223372036854775807,1675851592123456790]");
  });

  test("a lower-case Bearer scheme and extra spaces are accepted; Basic is not", async () => {
    expect(
      (await fetch(`${srv.httpUrl}/db/query?q=select+1`, { headers: { Authorization: `bearer  ${app.token}` } }))
        .status,
    ).toBe(200);
    expect(
      (await fetch(`${srv.httpUrl}/db/query?q=select+1`, { headers: { Authorization: `Basic ${app.token}` } })).status,
    ).toBe(401);
  });

  // ---------- MQTT: sessions and delivery ----------

  test("mosquitto_pub -V mqttv31 with the token writes a QoS 2 row", async () => {
    const r = await run([
      "mosquitto_pub",
      "-V",
      "mqttv31",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "--username",
      app.token,
      "-q",
      "2",
      "-t",
      "db/write/QAV31",
      "-m",
      '["v31", 1675851592000000000, 3.1]',
    ]);
    expect(r.code).toBe(0);
    expect((await query("select NAME, VALUE from QAV31")).body.data.rows).toEqual([["v31", 3.1]]);
    const anon = await run([
      "mosquitto_pub",
      "-V",
      "mqttv31",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(anon.stderr).toContain("not authorised");
  });

  test("a persistent v3.1.1 session gets its QoS 1 and 2 messages queued while offline, with sessionPresent", async () => {
    const s = await conn({ clientId: "qa-persist", clean: false });
    await s.subscribeAsync("qapersist/#", { qos: 2 });
    await s.endAsync();
    const p = await conn();
    await p.publishAsync("qapersist/a", "q1", { qos: 1 });
    await p.publishAsync("qapersist/b", "q2", { qos: 2 });
    await p.endAsync();
    const s2 = connectCollect(url, { username: app.token, clientId: "qa-persist", clean: false });
    await s2.ready;
    expect(s2.sessionPresent()).toBe(true);
    await eventually(() => s2.got.length >= 2);
    expect(s2.got.map((m) => [m.topic, m.payload, m.qos])).toEqual([
      ["qapersist/a", "q1", 1],
      ["qapersist/b", "q2", 2],
    ]);
    await s2.c.endAsync();
  });

  test("an unacknowledged QoS 1 delivery is sent again with DUP after the subscriber reconnects", async () => {
    // a raw subscriber that never sends PUBACK, then drops the socket
    const connect = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: false,
      clientId: "qa-noack",
      keepalive: 60,
      username: app.token,
    };
    const s = rawClient(srv.mqttPort);
    await s.ready;
    s.send(connect);
    s.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "qanoack/#", qos: 1 }] });
    await eventually(() => s.cmds().includes("suback"));
    const p = await conn();
    await p.publishAsync("qanoack/x", "inflight", { qos: 1 });
    await p.endAsync();
    await eventually(() => s.cmds().includes("publish"));
    expect((s.packets.find((x) => x.cmd === "publish") as mqttPacket.IPublishPacket).dup).toBe(false);
    s.s.destroy();
    const s2 = rawClient(srv.mqttPort);
    await s2.ready;
    s2.send(connect);
    await eventually(() => s2.cmds().includes("publish"));
    expect((s2.packets[0] as mqttPacket.IConnackPacket).sessionPresent).toBe(true);
    const again = s2.packets.find((x) => x.cmd === "publish") as mqttPacket.IPublishPacket;
    expect([again.topic, again.payload.toString(), again.qos, again.dup]).toEqual(["qanoack/x", "inflight", 1, true]);
    s2.send({ cmd: "puback", messageId: again.messageId });
    s2.s.destroy();
  });

  test("a QoS 2 publisher that reconnects mid-flow and resends with DUP delivers once and writes one row", async () => {
    const sub = connectCollect(url, { username: app.token });
    await sub.ready;
    await sub.c.subscribeAsync("qaq2/#", { qos: 2 });
    const connect = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: false,
      clientId: "qa-q2pub",
      keepalive: 60,
      username: app.token,
    };
    let r = rawClient(srv.mqttPort);
    await r.ready;
    r.send(connect);
    r.send({ cmd: "publish", topic: "qaq2/a", payload: "exactly-once", qos: 2, messageId: 11 });
    r.send({
      cmd: "publish",
      topic: "db/write/QAQ2",
      payload: '["q2", 1675851592000000000, 1]',
      qos: 2,
      messageId: 12,
    });
    await eventually(() => r.cmds().filter((c) => c === "pubrec").length === 2);
    r.s.destroy();
    r = rawClient(srv.mqttPort);
    await r.ready;
    r.send(connect);
    r.send({ cmd: "publish", topic: "qaq2/a", payload: "exactly-once", qos: 2, messageId: 11, dup: true });
    r.send({
      cmd: "publish",
      topic: "db/write/QAQ2",
      payload: '["q2", 1675851592000000000, 1]',
      qos: 2,
      messageId: 12,
      dup: true,
    });
    r.send({ cmd: "pubrel", messageId: 11 });
    r.send({ cmd: "pubrel", messageId: 12 });
    await eventually(() => r.cmds().filter((c) => c === "pubcomp").length === 2);
    expect((r.packets[0] as mqttPacket.IConnackPacket).sessionPresent).toBe(true);
    await sleep(100);
    r.s.destroy();
    expect(sub.got.map((m) => m.payload)).toEqual(["exactly-once"]);
    expect((await query("select count(*) from QAQ2")).body.data.rows[0]![0]).toBe(1);
    await sub.c.endAsync();
  });

  test("a v5 session with expiry 1 s is gone after 1.5 s; message expiry drops stale queued messages", async () => {
    const s = await conn({
      clientId: "qa-sx",
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 1 },
    });
    await s.subscribeAsync("qasx/#", { qos: 1 });
    await s.endAsync();
    const m = await conn({
      clientId: "qa-mexp",
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 60 },
    });
    await m.subscribeAsync("qamexp/#", { qos: 1 });
    await m.endAsync();
    const p = await conn({ protocolVersion: 5 });
    await p.publishAsync("qamexp/short", "short", { qos: 1, properties: { messageExpiryInterval: 1 } });
    await p.publishAsync("qamexp/long", "long", { qos: 1, properties: { messageExpiryInterval: 100 } });
    await p.endAsync();
    await sleep(2100);
    const s2 = connectCollect(url, { username: app.token, clientId: "qa-sx", clean: false, protocolVersion: 5 });
    await s2.ready;
    expect(s2.sessionPresent()).toBe(false);
    const m2 = connectCollect(url, { username: app.token, clientId: "qa-mexp", clean: false, protocolVersion: 5 });
    await m2.ready;
    await eventually(() => m2.got.length >= 1);
    await sleep(100);
    expect(m2.got.map((x) => x.topic)).toEqual(["qamexp/long"]);
    // the remaining lifetime is forwarded, reduced by the time spent queued
    expect(m2.got[0]!.props?.messageExpiryInterval).toBeLessThanOrEqual(98);
    await s2.c.endAsync();
    await m2.c.endAsync();
  });

  test("a last will goes out when a client vanishes, not when it disconnects cleanly; v5 will delay is honoured", async () => {
    const w = connectCollect(url, { username: app.token });
    await w.ready;
    await w.c.subscribeAsync("qawill/#", { qos: 1 });
    const d = await conn({
      clientId: "qa-dier",
      will: { topic: "qawill/a", payload: Buffer.from("gone"), qos: 1, retain: false },
    });
    const polite = await conn({
      clientId: "qa-polite",
      will: { topic: "qawill/b", payload: Buffer.from("never"), qos: 1, retain: false },
    });
    const late = await conn({
      clientId: "qa-late",
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 10 },
      will: {
        topic: "qawill/c",
        payload: Buffer.from("late"),
        qos: 0,
        retain: false,
        properties: { willDelayInterval: 1 },
      },
    });
    await polite.endAsync();
    (d as unknown as { stream: { destroy(): void } }).stream.destroy();
    (late as unknown as { stream: { destroy(): void } }).stream.destroy();
    await eventually(() => w.got.some((m) => m.topic === "qawill/a"));
    await sleep(300);
    expect(w.got.map((m) => m.topic)).toEqual(["qawill/a"]);
    await eventually(() => w.got.some((m) => m.topic === "qawill/c"), 3000);
    expect(w.got.map((m) => m.payload)).toEqual(["gone", "late"]);
    await w.c.endAsync();
  });

  test("a retained message is replaced by the next one and cleared by an empty retained publish", async () => {
    const p = await conn();
    await p.publishAsync("qaret/a", "1", { qos: 1, retain: true });
    await p.publishAsync("qaret/a", "2", { qos: 1, retain: true });
    await p.publishAsync("qaret/b", "b", { qos: 1, retain: true });
    await p.publishAsync("qaret/b", "", { qos: 1, retain: true });
    await p.endAsync();
    const r = await run([
      "mosquitto_sub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-u",
      app.token,
      "-t",
      "qaret/+",
      "-v",
      "--retained-only",
      "-W",
      "1",
    ]);
    expect(r.stdout.trim()).toBe("qaret/a 2");
  });

  test("v5 no-local and retain-handling 2 subscriptions behave as specified", async () => {
    const p = await conn({ protocolVersion: 5 });
    await p.publishAsync("qarh/a", "r", { qos: 1, retain: true });
    const s = connectCollect(url, { username: app.token, protocolVersion: 5 });
    await s.ready;
    await s.c.subscribeAsync("qarh/#", { qos: 1, rh: 2 });
    await s.c.subscribeAsync("qanl/#", { qos: 1, nl: true });
    await s.c.publishAsync("qanl/self", "self", { qos: 1 });
    await p.publishAsync("qanl/other", "other", { qos: 1 });
    await eventually(() => s.got.length >= 1);
    await sleep(150);
    expect(s.got.map((m) => m.payload)).toEqual(["other"]);
    await s.c.endAsync();
    await p.endAsync();
  });

  test("a shared subscription splits the messages between its members", async () => {
    const a = connectCollect(url, { username: app.token });
    const b = connectCollect(url, { username: app.token });
    await Promise.all([a.ready, b.ready]);
    await a.c.subscribeAsync("$share/g1/qash/#", { qos: 1 });
    await b.c.subscribeAsync("$share/g1/qash/#", { qos: 1 });
    const p = await conn();
    for (let i = 0; i < 10; i++) await p.publishAsync("qash/x", String(i), { qos: 1 });
    await eventually(() => a.got.length + b.got.length === 10);
    expect(a.got.length).toBeGreaterThan(0);
    expect(b.got.length).toBeGreaterThan(0);
    await Promise.all([a.c.endAsync(), b.c.endAsync(), p.endAsync()]);
  });

  test("'#' does not match $SYS topics, '$SYS/#' gets the broker statistics", async () => {
    const s = connectCollect(url, { username: app.token });
    await s.ready;
    await s.c.subscribeAsync("#", { qos: 0 });
    await sleep(200);
    expect(s.got.filter((m) => m.topic.startsWith("$"))).toEqual([]);
    await s.c.endAsync();
    const r = await run([
      "mosquitto_sub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-u",
      app.token,
      "-t",
      "$SYS/#",
      "-v",
      "--retained-only",
      "-W",
      "1",
    ]);
    for (const t of [
      "$SYS/broker/uptime",
      "$SYS/broker/clients/connected",
      "$SYS/broker/messages/received",
      "$SYS/broker/bytes/sent",
    ]) {
      expect(r.stdout).toContain(t);
    }
  });

  test("v5 topic aliases work, and an alias above the advertised maximum is a DISCONNECT 0x94", async () => {
    const s = connectCollect(url, { username: app.token, protocolVersion: 5 });
    await s.ready;
    await s.c.subscribeAsync("qata/#");
    const p = await conn({ protocolVersion: 5 });
    await p.publishAsync("qata/one", "first", { qos: 1, properties: { topicAlias: 1 } });
    await p.publishAsync("", "second", { qos: 1, properties: { topicAlias: 1 } });
    await eventually(() => s.got.length === 2);
    expect(s.got.map((m) => [m.topic, m.payload])).toEqual([
      ["qata/one", "first"],
      ["qata/one", "second"],
    ]);
    await Promise.all([s.c.endAsync(), p.endAsync()]);

    const r = rawClient(srv.mqttPort, 5);
    await r.ready;
    r.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 5,
      clean: true,
      clientId: "qa-alias",
      keepalive: 60,
      username: app.token,
    });
    await eventually(() => r.packets.length >= 1);
    const max = (r.packets[0] as mqttPacket.IConnackPacket).properties?.topicAliasMaximum ?? 0;
    r.send({ cmd: "publish", topic: "t", payload: "x", qos: 0, properties: { topicAlias: max + 1 } });
    await eventually(() => r.closedAfter() > 0);
    expect(r.packets.map((p) => `${p.cmd}:${(p as { reasonCode?: number }).reasonCode ?? ""}`)).toEqual([
      "connack:0",
      "disconnect:148",
    ]);
  });

  test("a v5 client's receive maximum and maximum packet size are respected", async () => {
    const r = rawClient(srv.mqttPort, 5);
    await r.ready;
    r.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 5,
      clean: true,
      clientId: "qa-rm",
      keepalive: 60,
      username: app.token,
      properties: { receiveMaximum: 2, maximumPacketSize: 200 },
    });
    r.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "qarm/#", qos: 1 }] });
    await eventually(() => r.cmds().includes("suback"));
    const p = await conn();
    await p.publishAsync("qarm/big", "x".repeat(500), { qos: 1 });
    for (let i = 0; i < 5; i++) await p.publishAsync("qarm/x", String(i), { qos: 1 });
    const pubs = () => r.packets.filter((x) => x.cmd === "publish") as mqttPacket.IPublishPacket[];
    await eventually(() => pubs().length >= 2);
    await sleep(300); // and no third one while the first two are unacknowledged
    expect(pubs().length).toBe(2);
    expect(pubs().every((x) => x.payload.length < 200)).toBe(true);
    for (const x of pubs()) r.send({ cmd: "puback", messageId: x.messageId });
    await eventually(() => pubs().length === 4);
    expect(r.closedAfter()).toBe(0);
    r.s.destroy();
    await p.endAsync();
  });

  // ---------- MQTT: protocol abuse ----------

  test("garbage, a PUBLISH before CONNECT, a second CONNECT, an over-long length and a wildcard PUBLISH topic are each closed; the broker goes on", async () => {
    const connect = () => ({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      clientId: `qa-raw-${Math.random().toString(36).slice(2, 7)}`,
      keepalive: 60,
      username: app.token,
    });
    const cases: ((r: ReturnType<typeof rawClient>) => void)[] = [
      (r) => r.s.write("GET / HTTP/1.1\r\n\r\n"),
      (r) => r.send({ cmd: "publish", topic: "a", payload: "x", qos: 0 }),
      (r) => {
        r.send(connect());
        r.send(connect());
      },
      (r) => {
        r.send(connect());
        r.s.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
      },
      (r) => {
        r.send(connect());
        r.send({ cmd: "publish", topic: "a/+", payload: "x", qos: 0 });
      },
    ];
    for (const act of cases) {
      const r = rawClient(srv.mqttPort);
      await r.ready;
      act(r);
      await eventually(() => r.closedAfter() > 0, 2000);
    }
    const ok = await conn();
    expect(ok.connected).toBe(true);
    await ok.endAsync();
  });

  test("an unsupported protocol level gets CONNACK 0x01; an invalid subscribe filter gets 0x80 in SUBACK", async () => {
    const r = rawClient(srv.mqttPort);
    await r.ready;
    const bytes = Buffer.from(
      mqttPacket.generate({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clean: true,
        clientId: "qa-lvl",
        keepalive: 60,
        username: app.token,
      } as mqttPacket.IConnectPacket),
    );
    bytes[8] = 9; // protocol level byte
    r.s.write(bytes);
    await eventually(() => r.packets.length >= 1);
    expect((r.packets[0] as mqttPacket.IConnackPacket).returnCode).toBe(1);

    const s = rawClient(srv.mqttPort);
    await s.ready;
    s.send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      clientId: "qa-sub",
      keepalive: 60,
      username: app.token,
    });
    s.send({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [
        { topic: "a/#/b", qos: 0 },
        { topic: "ok/+", qos: 1 },
      ],
    });
    await eventually(() => s.cmds().includes("suback"));
    expect((s.packets.find((p) => p.cmd === "suback") as mqttPacket.ISubackPacket).granted).toEqual([128, 1]);
    s.s.destroy();
  });

  test("keepalive: silence past 1.5x closes the connection, PINGREQs keep it open", async () => {
    const connect = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      keepalive: 1,
      username: app.token,
    };
    const quiet = rawClient(srv.mqttPort);
    const chatty = rawClient(srv.mqttPort);
    await Promise.all([quiet.ready, chatty.ready]);
    quiet.send({ ...connect, clientId: "qa-ka-quiet" });
    chatty.send({ ...connect, clientId: "qa-ka-chatty" });
    for (let i = 0; i < 4; i++) {
      await sleep(600);
      chatty.send({ cmd: "pingreq" });
    }
    expect(quiet.closedAfter()).toBeGreaterThanOrEqual(1400);
    expect(quiet.closedAfter()).toBeLessThan(2300);
    expect(chatty.closedAfter()).toBe(0);
    expect(chatty.cmds().filter((c) => c === "pingresp").length).toBeGreaterThanOrEqual(3);
    chatty.s.destroy();
  });

  test("the same client connecting again with the same token takes over: the old session gets DISCONNECT 0x8E", async () => {
    const a = await conn({ clientId: "qa-dup", protocolVersion: 5 });
    const gone = closedWith(a);
    const b = await conn({ clientId: "qa-dup", protocolVersion: 5 });
    expect(await gone).toBe(0x8e);
    expect(b.connected).toBe(true);
    await b.endAsync();
  });

  // ---------- data topics ----------

  test("data topic suffixes and v5 user properties (format, timeformat, compress, header, reply) all land rows", async () => {
    const c = await conn({ protocolVersion: 5 });
    const replies: [string, string][] = [];
    c.on("message", (t, p) => replies.push([t, p.toString()]));
    await c.subscribeAsync("qarep/#", { qos: 1 });
    const cases: [string, string | Buffer, Record<string, unknown>?][] = [
      ["db/write/QAMT:json", '["sfxjson", 1675851592000000000, 1]'],
      [
        "db/write/QAMT:ndjson",
        '{"NAME":"sfxnd","TIME":1675851592000000000,"VALUE":1}\n{"NAME":"sfxnd","TIME":1675851592000000001,"VALUE":2}',
      ],
      ["db/write/QAMT:csv:gzip", gzipSync("sfxcsvgz,1675851592000000000,1")],
      ["db/write/QAMT:ndjson:gzip", gzipSync('{"NAME":"sfxndgz","TIME":1675851592000000000,"VALUE":1}')],
      ["db/write/QAMT", "upcsv,1675851592000000000,1", { userProperties: { format: "csv", reply: "qarep/up" } }],
      ["db/write/QAMT", '["upts", 1675851592, 1]', { userProperties: { timeformat: "s" } }],
      ["db/write/QAMT", gzipSync('["upgz", 1675851592000000000, 1]'), { userProperties: { compress: "gzip" } }],
      ["db/write/QAMT", '["uprfc", "2023-02-08T10:19:52.5Z", 1]', { userProperties: { timeformat: "RFC3339" } }],
      ["db/write/QAMT:csv", "NAME,TIME,VALUE\nhdrskip,1675851592000000000,1", { userProperties: { header: "skip" } }],
      [
        "db/write/QAMT",
        '{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["field",1675851592000000000,1]]},"reply":"qarep/field"}',
      ],
      ["db/append/QAMT:csv", "appcsv,1675851592000000000,1\nappcsv,1675851592000000001,1"],
    ];
    for (const [topic, payload, properties] of cases)
      expect(await pubCode(c, topic, payload, properties ? { properties } : {})).toBe(0);
    await c.publishAsync("db/write/QAMT", '["q2", 1675851592000000000, 1]', { qos: 2 });
    const rows = (await query("select NAME, count(*), min(TIME) from QAMT group by NAME order by NAME")).body.data.rows;
    expect(rows).toEqual([
      ["appcsv", 2, 1675851592000000000],
      ["field", 1, 1675851592000000000],
      ["hdrskip", 1, 1675851592000000000],
      ["q2", 1, 1675851592000000000],
      ["sfxcsvgz", 1, 1675851592000000000],
      ["sfxjson", 1, 1675851592000000000],
      ["sfxnd", 2, 1675851592000000000],
      ["sfxndgz", 1, 1675851592000000000],
      ["upcsv", 1, 1675851592000000000],
      ["upgz", 1, 1675851592000000000],
      ["uprfc", 1, 1675851592500000000],
      ["upts", 1, 1675851592000000000],
    ]);
    await eventually(() => replies.length >= 2);
    expect(replies.map(([t]) => t).sort()).toEqual(["qarep/field", "qarep/up"]);
    for (const [, body] of replies)
      expect(JSON.parse(body)).toMatchObject({ success: true, reason: "success, 1 record(s) inserted" });
    await c.endAsync();
  });

  test("bad data-topic messages get PUBACK/PUBREC 0x99 and an error reply naming the problem; nothing is written", async () => {
    const c = await conn({ protocolVersion: 5 });
    const replies = new Map<string, string>();
    c.on("message", (t, p) => replies.set(t, p.toString()));
    await c.subscribeAsync("qabad/#", { qos: 1 });
    const cases: [string, string, string, number][] = [
      ["db/write/bad-table", '["x", 1, 1]', "invalid table name", 1],
      ["db/write/", '["x", 1, 1]', "missing table name", 1],
      ["db/write/QABAD:xml", '["x", 1, 1]', "unsupported topic suffix", 1],
      ["db/write/QABAD:json:gzip", "notgz", "gzip", 1],
      ["db/write/QABAD", "", "not valid JSON", 1],
      ["db/write/QABAD", "junk", "not valid JSON", 2],
    ];
    for (const [i, [topic, payload, reason, qos]] of cases.entries()) {
      expect(await pubCode(c, topic, payload, { qos, properties: { responseTopic: `qabad/${i}` } })).toBe(0x99);
      await eventually(() => replies.has(`qabad/${i}`));
      const r = JSON.parse(replies.get(`qabad/${i}`)!);
      expect(r.success).toBe(false);
      expect(r.reason).toContain(reason);
    }
    expect(c.connected).toBe(true);
    expect((await query("select count(*) from QABAD")).status).toBe(400);
    await c.endAsync();
  });

  test("db/query honours timeformat, refuses writes with 0x99 and a reason, and answers a v5 response topic", async () => {
    const c = await conn({ protocolVersion: 5 });
    const replies = new Map<string, string>();
    c.on("message", (t, p) => replies.set(t, p.toString()));
    await c.subscribeAsync("qaq/#", { qos: 1 });
    await c.publishAsync(
      "db/query",
      JSON.stringify({ q: "select TIME from QAMT where NAME = 'sfxjson'", timeformat: "RFC3339", reply: "qaq/tf" }),
      { qos: 1 },
    );
    expect(await pubCode(c, "db/query", JSON.stringify({ q: "delete from QAMT", reply: "qaq/del" }))).toBe(0x99);
    await c.publishAsync("db/query", JSON.stringify({ q: "select count(*) from QAMT" }), {
      qos: 1,
      properties: { responseTopic: "qaq/rt" },
    });
    await eventually(() => replies.size === 3);
    expect(JSON.parse(replies.get("qaq/tf")!).data.rows).toEqual([["2023-02-08T10:19:52Z"]]);
    expect(JSON.parse(replies.get("qaq/del")!)).toMatchObject({ success: false });
    expect(JSON.parse(replies.get("qaq/del")!).reason).toContain("read-only");
    expect(JSON.parse(replies.get("qaq/rt")!).data.rows).toEqual([[14]]);
    expect((await query("select count(*) from QAMT")).body.data.rows).toEqual([[14]]);
    await c.endAsync();
  });

  // ---------- live revocation ----------

  test("a key revoked while its v5 client is connected: DISCONNECT 0x98 within a second", async () => {
    const k = await genKey(srv.data, "qa-live-rev");
    const c = await conn({ username: k.token, clientId: "qa-live-rev", protocolVersion: 5 });
    const gone = closedWith(c);
    const t0 = Date.now();
    expect((await neo(["shell", "key", "revoke", "qa-live-rev", "--data", srv.data])).code).toBe(0);
    expect(await gone).toBe(0x98);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("a key rotated while its v3.1.1 client is connected: the connection is closed within a second", async () => {
    const k = await genKey(srv.data, "qa-live-rot");
    const c = await conn({ username: k.token, clientId: "qa-live-rot" });
    const gone = closedWith(c);
    const t0 = Date.now();
    expect(
      (await neo(["shell", "key", "rotate", "qa-live-rot", "--output", `${k.prefix}-2`, "--data", srv.data])).code,
    ).toBe(0);
    await gone;
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("a key that expires while its client is connected: DISCONNECT 0x98 within a second of expiry", async () => {
    const notAfter = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000);
    const k = await genKey(srv.data, "qa-live-exp", ["--not-after", notAfter.toISOString().replace(/\.\d+Z$/, "Z")]);
    const c = await conn({ username: k.token, clientId: "qa-live-exp", protocolVersion: 5 });
    const code = await closedWith(c);
    expect(code).toBe(0x98);
    expect(Date.now() - notAfter.getTime()).toBeLessThan(1000);
    expect(Date.now()).toBeGreaterThanOrEqual(notAfter.getTime() - 50);
  });

  test("a key deleted while its WebSocket client is connected: DISCONNECT 0x98 within a second", async () => {
    const k = await genKey(srv.data, "qa-live-ws");
    const c = await mqtt.connectAsync(`ws://${srv.ready.http}/mqtt`, {
      username: k.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const gone = closedWith(c);
    const t0 = Date.now();
    expect((await neo(["shell", "key", "del", "qa-live-ws", "--data", srv.data])).code).toBe(0);
    expect(await gone).toBe(0x98);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("WebSocket refuses a v5 client without a token and a bogus token with a proper CONNACK", async () => {
    for (const username of [undefined, `qa-app01:b:${"0".repeat(64)}`]) {
      await expect(
        mqtt.connectAsync(`ws://${srv.ready.http}/mqtt`, {
          username,
          protocolVersion: 5,
          reconnectPeriod: 0,
          connectTimeout: 3000,
        }),
      ).rejects.toThrow(/Not authorized/i);
    }
  });

  // ---------- web UI API ----------

  test("the web API: a key created there works on MQTT at once; deleting it there refuses it on HTTP at once", async () => {
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    const bad = await fetch(`${srv.httpUrl}/web/api/login`, {
      method: "POST",
      body: JSON.stringify({ loginName: "admin", password: "wrong" }),
    });
    expect(bad.status).toBe(401);
    const login = (await (
      await fetch(`${srv.httpUrl}/web/api/login`, {
        method: "POST",
        body: JSON.stringify({ loginName: "admin", password }),
      })
    ).json()) as { accessToken: string };
    const auth = { Authorization: `Bearer ${login.accessToken}` };
    // the web session is not a /db token, and a client token is not a web session
    expect((await query("select 1", "", login.accessToken)).status).toBe(401);
    expect(
      (await fetch(`${srv.httpUrl}/web/api/keys`, { headers: { Authorization: `Bearer ${app.token}` } })).status,
    ).toBe(401);
    const created = (await (
      await fetch(`${srv.httpUrl}/web/api/keys`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ name: "qa-web01" }),
      })
    ).json()) as { success: boolean; token: string };
    expect(created.success).toBe(true);
    expect(created.token).toMatch(/^qa-web01:b:[0-9a-f]{64}$/);
    const dup = await fetch(`${srv.httpUrl}/web/api/keys`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "qa-web01" }),
    });
    expect(dup.status).toBe(409);
    const pub = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-u",
      created.token,
      "-q",
      "1",
      "-t",
      "db/write/QAWEB",
      "-m",
      '["web", 1675851592000000000, 1]',
    ]);
    expect(pub.code).toBe(0);
    const del = await fetch(`${srv.httpUrl}/web/api/keys/qa-web01`, { method: "DELETE", headers: auth });
    expect(del.status).toBe(200);
    expect((await query("select 1", "", created.token)).status).toBe(401);
    const out = await fetch(`${srv.httpUrl}/web/api/logout`, { method: "POST", headers: auth });
    expect(out.status).toBe(200);
    expect((await fetch(`${srv.httpUrl}/web/api/check`, { headers: auth })).status).toBe(401);
  });

  test("no client token or the web password ever appears in the server log", async () => {
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    const logs = srv.logs();
    expect(logs).not.toContain(app.token.split(":b:")[1]!);
    expect(logs).not.toContain(password);
  });
});

describe("RequireClientIdMatch", () => {
  test("with Mqtt.RequireClientIdMatch the client id must equal the key's id (v3.1.1 0x05, v5 0x87)", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "neo.conf"), "Mqtt {\n  EnableTokenAuth = true\n  RequireClientIdMatch = true\n}\n");
    const srv = await startServer(["--config", join(dir, "neo.conf")]);
    try {
      const k = await genKey(srv.data, "dev1");
      const base = [
        "mosquitto_pub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-u",
        k.token,
        "-t",
        "x",
        "-m",
        "1",
      ];
      expect((await run(base)).stderr).toContain("not authorised");
      expect((await run([...base, "-i", "other"])).stderr).toContain("not authorised");
      const v5 = await run([...base, "-i", "other", "-V", "5"]);
      expect(v5.code).toBe(135);
      expect((await run([...base, "-i", "dev1"])).code).toBe(0);
    } finally {
      await srv.stop();
      cleanup(srv.data);
      cleanup(dir);
    }
  });
});

describe("configuration", () => {
  test("config init prints a commented default that config check accepts", async () => {
    const dir = tempDir();
    const init = await neo(["config", "init"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("# ");
    await Bun.write(join(dir, "neo.conf"), init.stdout);
    const check = await neo(["config", "check", join(dir, "neo.conf")]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('Listen = "127.0.0.1:5654"');
    expect(check.stdout).toContain("MaxMessageSizeLimit = 1048576");
    cleanup(dir);
  });

  test("config check reports every problem at once with file:line:col: unknown key, wrong type, range, duplicate, case", async () => {
    const dir = tempDir();
    const f = join(dir, "bad.conf");
    await Bun.write(
      f,
      [
        "// comment",
        'Htpp { Listen = "127.0.0.1:0" }',
        "Http {",
        '  EnableTokenAuth = "yes"',
        "  Listen = 5654",
        "}",
        "Mqtt = { MaxMessageSizeLimit = -5 }",
        'log { Level = "info" }',
        "Http.EnableTokenAuth = true",
        "",
      ].join("\n"),
    );
    const r = await neo(["config", "check", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:2:1: unknown key "Htpp"; did you mean "Http"?`);
    expect(r.stderr).toContain(`${f}:4:21: Http.EnableTokenAuth: expected boolean`);
    expect(r.stderr).toContain(`${f}:5:12: Http.Listen: expected string`);
    expect(r.stderr).toContain(`${f}:7:`);
    expect(r.stderr).toContain("out of range");
    expect(r.stderr).toContain(`${f}:8:1: unknown key "log"; did you mean "Log"?`);
    expect(r.stderr).toContain("duplicate key");
    cleanup(dir);
  });

  test("an unterminated block comment and a missing file are reported, and the server does not start", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "c.conf"), "/* never closed\n");
    const r = await neo([
      "serve",
      "--config",
      join(dir, "c.conf"),
      "--data",
      join(dir, "data"),
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unterminated /* comment");
    expect(existsSync(join(dir, "data"))).toBe(false);
    const missing = await neo(["config", "check", join(dir, "nope.conf")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read config file");
    cleanup(dir);
  });

  test("NEO_* environment beats the file and is shown by config check; bad env values are refused", async () => {
    const dir = tempDir();
    const f = join(dir, "p.conf");
    await Bun.write(f, 'Http { Listen = "127.0.0.1:1111"\n EnableTokenAuth = true }\nLog { Level = "warn" }\n');
    const r = await neo(["config", "check", f], {
      env: {
        NEO_HTTP_PORT: "3333",
        NEO_HTTP_ENABLE_TOKEN_AUTH: "false",
        NEO_LOG_LEVEL: "debug",
        NEO_DATA: join(dir, "envdata"),
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Listen = "127.0.0.1:3333"');
    expect(r.stdout).toMatch(/Http \{\n\s+Listen = "127.0.0.1:3333"\n\s+EnableTokenAuth = false/);
    expect(r.stdout).toContain('Level = "debug"');
    expect(r.stdout).toContain(`Data = "${join(dir, "envdata")}"`);
    const viaEnv = await neo(["config", "check"], { env: { NEO_CONFIG: f } });
    expect(viaEnv.stdout).toContain('Listen = "127.0.0.1:1111"');
    const bad = await neo(["config", "check", f], { env: { NEO_HTTP_PORT: "abc" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("NEO_HTTP_PORT");
    const badBool = await neo(["serve", "--config", f, "--data", join(dir, "d")], {
      env: { NEO_HTTP_ENABLE_TOKEN_AUTH: "maybe" },
    });
    expect(badBool.code).toBe(2);
    expect(badBool.stderr).toContain("NEO_HTTP_ENABLE_TOKEN_AUTH");
    cleanup(dir);
  });

  test("serve precedence: file says token auth on, env says off, the flag turns it back on", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "t.conf"), "Http { EnableTokenAuth = true }\n");
    const env = { NEO_HTTP_ENABLE_TOKEN_AUTH: "false" };
    const off = await startServer(["--config", join(dir, "t.conf")], { env });
    const on = await startServer(["--config", join(dir, "t.conf"), "--http-enable-token-auth", "true"], { env });
    try {
      expect((await fetch(`${off.httpUrl}/db/query?q=select+1`)).status).toBe(200);
      expect((await fetch(`${on.httpUrl}/db/query?q=select+1`)).status).toBe(401);
    } finally {
      await off.stop();
      await on.stop();
      cleanup(off.data);
      cleanup(on.data);
      cleanup(dir);
    }
  });

  test("bad serve flags are usage errors (exit 2) naming the flag", async () => {
    for (const [flag, v] of [
      ["--http-port", "abc"],
      ["--http-port", "70000"],
      ["--mqtt-enable-token-auth", "maybe"],
    ] as const) {
      const r = await neo(["serve", "--data", tempDir(), flag, v]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });

  test("under umask 000 the data dir is still 0700 and keys and tokens 0600", async () => {
    const dir = tempDir();
    const data = join(dir, "data");
    const p = Bun.spawnSync(
      [
        "sh",
        "-c",
        `umask 000 && exec "$0" "$@"`,
        process.execPath,
        join(import.meta.dir, "../../src/main.ts"),
        "shell",
        "key",
        "gen",
        "um1",
        "--output",
        join(dir, "um1"),
        "--data",
        data,
      ],
      { env: { ...process.env, NO_COLOR: "1" } },
    );
    expect(p.exitCode).toBe(0);
    expect(mode(data)).toBe("700");
    expect(mode(join(data, "pki", "ca_key.pem"))).toBe("600");
    expect(mode(join(data, "token.key"))).toBe("600");
    expect(mode(join(dir, "um1_key.pem"))).toBe("600");
    expect(mode(join(dir, "um1_token"))).toBe("600");
    expect(mode(join(dir, "um1_cert.pem"))).toBe("644");
    cleanup(dir);
  });
});

describe("fixed after the QA report", () => {
  let srv: Server;
  let a: Key;
  let b: Key;
  beforeAll(async () => {
    srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    a = await genKey(srv.data, "asker");
    b = await genKey(srv.data, "snooper");
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(srv.data);
  });

  test("a bearer value that is not a client token (a session token, a pasted password) is never written to the log", async () => {
    const secret = "SuperSecretPassw0rdNoColon";
    const r = await fetch(`${srv.httpUrl}/db/query?q=select+1`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(r.status).toBe(401);
    await srv.waitForLog(/refused a bearer value that is not a client token/);
    expect(srv.logs()).not.toContain(secret);
  });

  test("db/query answers on the default db/reply go only to the requester, not to every subscriber of db/reply", async () => {
    const url = `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
    const snoop = connectCollect(url, { username: b.token });
    const ask = connectCollect(url, { username: a.token });
    await Promise.all([snoop.ready, ask.ready]);
    await snoop.c.subscribeAsync("db/reply", { qos: 1 });
    await ask.c.subscribeAsync("db/reply", { qos: 1 });
    await ask.c.publishAsync("db/query", JSON.stringify({ q: "select 42 as ANSWER" }), { qos: 1 });
    await eventually(() => ask.got.length > 0);
    expect(JSON.parse(ask.got[0]!.payload).data.rows).toEqual([[42]]);
    // a round trip on the snooper's own connection: anything routed to it would be here by now
    await snoop.c.subscribeAsync("sync/x", { qos: 1 });
    await snoop.c.publishAsync("sync/x", "1", { qos: 1 });
    await eventually(() => snoop.got.some((m) => m.topic === "sync/x"));
    expect(snoop.got.filter((m) => m.topic === "db/reply")).toEqual([]);
    await Promise.all([snoop.c.endAsync(), ask.c.endAsync()]);
  });

  test("a body over the HTTP limit gets 413 with a JSON reason after authentication; without a token it is 401", async () => {
    const big = new Uint8Array(20 * 1024 * 1024);
    const noAuth = await fetch(`${srv.httpUrl}/db/write/BIG`, {
      method: "POST",
      body: big,
      headers: { "content-type": "text/csv" },
    });
    expect(noAuth.status).toBe(401);
    const r = await fetch(`${srv.httpUrl}/db/write/BIG`, {
      method: "POST",
      body: big,
      headers: { "content-type": "text/csv", authorization: `Bearer ${a.token}` },
    });
    expect(r.status).toBe(413);
    const body = (await r.json()) as { success: boolean; reason: string };
    expect(body.success).toBe(false);
    expect(body.reason).toContain("exceeds");
  });

  test("an unknown timeformat on a query is a 400, and a BLOB comes back as base64", async () => {
    const h = { Authorization: `Bearer ${a.token}` };
    const bad = await fetch(`${srv.httpUrl}/db/query?q=select+1&timeformat=bogus`, { headers: h });
    expect(bad.status).toBe(400);
    const blob = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select x'00ff' as B")}`, { headers: h });
    expect(((await blob.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([["AP8="]]);
  });

  test("a misspelled flag is refused with a did-you-mean instead of being ignored", async () => {
    const r = await neo(["serve", "--data", tempDir(), "--htp-enable-token-auth", "true"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean --http-enable-token-auth?");
  });
});
