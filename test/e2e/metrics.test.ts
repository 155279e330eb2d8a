// GET /metrics: Prometheus text format, read back by an independent parser, counting what
// real clients (mosquitto_pub, curl) did; who may scrape it; and a real Prometheus
// scraping it when Debian's prometheus is installed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMetrics, sampleValue } from "../support/prom-text.ts";
import { cleanup, eventually, genKey, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";

let srv: Server;
let metricsToken: string;
let plainToken: string;
const PROMETHEUS = "/usr/bin/prometheus";

const scrape = (token?: string) =>
  fetch(`${srv.httpUrl}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const families = async () => {
  const r = await scrape(metricsToken);
  expect(r.status).toBe(200);
  return parseMetrics(await r.text());
};

beforeAll(async () => {
  srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
  metricsToken = (await genKey(srv.data, "scraper", ["--scope", "metrics:read:*"])).token;
  plainToken = (
    await genKey(srv.data, "sensor1", [
      "--scope",
      "tables:write:*",
      "--scope",
      "topics:publish:#",
      "--scope",
      "topics:subscribe:#",
    ])
  ).token;
});
afterAll(async () => {
  await srv.stop();
  cleanup(srv.data);
});

describe("GET /metrics", () => {
  test("with token auth on it needs a bearer: none is 401, a key without metrics:read:* is 403", async () => {
    const none = await scrape();
    expect(none.status).toBe(401);
    const denied = await scrape(plainToken);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { reason: string }).reason).toContain("metrics:read:*");
  });

  test("answers the Prometheus text format with every figure, counting what mosquitto_pub and curl did", async () => {
    const r = await scrape(metricsToken);
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const before = parseMetrics(await r.text());
    for (const name of [
      "neo_mqtt_connections",
      "neo_mqtt_messages_received_total",
      "neo_mqtt_messages_sent_total",
      "neo_mqtt_subscriptions",
      "neo_mqtt_retained_messages",
      "neo_db_write_batch_seconds",
      "neo_auth_attempts_total",
      "neo_bans",
      "process_resident_memory_bytes",
      "process_cpu_seconds_total",
      "process_start_time_seconds",
    ])
      expect(before.has(name)).toBe(true);
    const received = sampleValue(before, "neo_mqtt_messages_received_total") ?? 0;

    const pub = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-i",
      "sensor1",
      "-u",
      plainToken,
      "-q",
      "1",
      "-t",
      "db/write/METRICS_T",
      "-m",
      '[["m1", 1700000000000000000, 1.5], ["m2", 1700000000000000000, 2.5]]',
    ]);
    expect(pub.code).toBe(0);
    await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-u",
      "bad-token",
      "-t",
      "x",
      "-m",
      "1",
    ]);
    const w = await fetch(`${srv.httpUrl}/db/write/METRICS_T`, {
      method: "POST",
      headers: { authorization: `Bearer ${plainToken}`, "content-type": "application/json" },
      body: '[["m3", 1700000000000000001, 3.5]]',
    });
    expect(w.status).toBe(200);
    const bad = await fetch(`${srv.httpUrl}/db/query?q=select%201`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);

    const after = await families();
    expect(sampleValue(after, "neo_mqtt_messages_received_total")).toBeGreaterThanOrEqual(received + 1);
    expect(sampleValue(after, "neo_db_rows_written_total", { table: "METRICS_T" })).toBe(3);
    expect(
      sampleValue(after, "neo_auth_attempts_total", { listener: "tcp", method: "token", result: "success" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, "neo_auth_attempts_total", { listener: "tcp", method: "token", result: "failure" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, "neo_auth_attempts_total", { listener: "http", method: "token", result: "failure" }),
    ).toBeGreaterThanOrEqual(1);
    const batches = after.get("neo_db_write_batch_seconds")?.metrics[0];
    expect(Number(batches?.count)).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, "process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
  });

  test("a connected subscriber shows in neo_mqtt_connections{listener=tcp} and neo_mqtt_subscriptions", async () => {
    const sub = Bun.spawn(
      ["mosquitto_sub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-u", plainToken, "-t", "watch/#", "-q", "0"],
      { stdout: "ignore", stderr: "ignore" },
    );
    try {
      const f = await eventually(async () => {
        const x = await families();
        const connected = (sampleValue(x, "neo_mqtt_connections", { listener: "tcp" }) ?? 0) >= 1;
        return connected && (sampleValue(x, "neo_mqtt_subscriptions") ?? 0) >= 1 ? x : undefined;
      });
      expect(sampleValue(f, "neo_mqtt_subscriptions")).toBeGreaterThanOrEqual(1);
    } finally {
      sub.kill();
      await sub.exited;
    }
  });
});

describe("Http.MetricsPublic", () => {
  test("opens /metrics to a scraper without a token while /db stays closed", async () => {
    const open = await startServer(["--http-enable-token-auth", "true"], { env: { NEO_HTTP_METRICS_PUBLIC: "true" } });
    try {
      const r = await fetch(`${open.httpUrl}/metrics`);
      expect(r.status).toBe(200);
      expect(parseMetrics(await r.text()).has("neo_mqtt_connections")).toBe(true);
      expect((await fetch(`${open.httpUrl}/db/query?q=select%201`)).status).toBe(401);
      // the same figures as retained $SYS/neo/... topics, beside the broker's $SYS/broker/...
      const sys = await run([
        "mosquitto_sub",
        "-h",
        open.mqttHost,
        "-p",
        String(open.mqttPort),
        "-t",
        "$SYS/neo/#",
        "-v",
        "-C",
        "8",
        "-W",
        "10",
      ]);
      const topics = new Map(
        sys.stdout
          .trim()
          .split("\n")
          .map((l) => l.split(" ") as [string, string]),
      );
      expect(topics.get("$SYS/neo/db/rows/written")).toMatch(/^\d+$/);
      expect(topics.get("$SYS/neo/auth/failures")).toMatch(/^\d+$/);
      expect(topics.get("$SYS/neo/clients/connected/tcp")).toMatch(/^\d+$/);
    } finally {
      await open.stop();
      cleanup(open.data);
    }
  });

  const prometheus = requiresTool(PROMETHEUS, "scripts/setup.sh --test installs prometheus");
  test.skipIf(prometheus.skip)(
    "a real Prometheus scrapes it",
    async () => {
      prometheus.check();
      const open = await startServer([], { env: { NEO_HTTP_METRICS_PUBLIC: "true" } });
      const dir = mkdtempSync(join(tmpdir(), "neo-prom-"));
      // a port the kernel just handed out (and we let go of)
      const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = probe.port;
      probe.stop(true);
      writeFileSync(
        join(dir, "prometheus.yml"),
        `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: neo\n    static_configs:\n      - targets: ["${open.ready.http}"]\n`,
      );
      const prom = Bun.spawn(
        [
          PROMETHEUS,
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "tsdb")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdout: "ignore", stderr: "pipe" },
      );
      try {
        const up = await eventually(async () => {
          try {
            const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=neo_mqtt_connections`);
            const j = (await r.json()) as { data?: { result?: { metric: Record<string, string> }[] } };
            return (j.data?.result?.length ?? 0) >= 4 ? j.data?.result : undefined;
          } catch {
            if (prom.exitCode !== null)
              throw new Error(`prometheus exited ${prom.exitCode}: ${await new Response(prom.stderr).text()}`);
            return undefined;
          }
        }, 30_000);
        expect(up.map((x) => x.metric.listener).sort()).toEqual(["tcp", "tls", "ws", "wss"]);
        const t = await fetch(`http://127.0.0.1:${port}/api/v1/targets`);
        expect(JSON.stringify(await t.json())).toContain('"health":"up"');
      } finally {
        prom.kill();
        await prom.exited;
        await open.stop();
        cleanup(open.data);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    50_000,
  );
});
