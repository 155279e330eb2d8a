import { describe, expect, test } from "bun:test";
import { parseMetrics, sampleValue } from "../../test/support/prom-text.ts";
import { createMetricsRegistry, createNeoMetrics, type BrokerFigures } from "./index.ts";

const broker = (): BrokerFigures => ({
  connections: { tcp: 2, ws: 1 },
  messagesReceived: 10,
  messagesSent: 7,
  subscriptions: 3,
  retained: 1,
});

describe("metrics registry", () => {
  test("counters, gauges and histograms render as text an independent Prometheus parser reads back", () => {
    const r = createMetricsRegistry();
    const c = r.counter("x_total", "things\nwith a newline");
    c.inc({ kind: 'a "quoted" \\ value' }, 2);
    c.inc({ kind: "b" });
    r.gauge("g", "a gauge", () => 4.5);
    const h = r.histogram("h_seconds", "latency", [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(3);
    const f = parseMetrics(r.render());
    expect(sampleValue(f, "x_total", { kind: 'a "quoted" \\ value' })).toBe(2);
    expect(sampleValue(f, "x_total", { kind: "b" })).toBe(1);
    expect(sampleValue(f, "g")).toBe(4.5);
    const hist = f.get("h_seconds");
    expect(hist?.type).toBe("HISTOGRAM");
    expect(hist?.metrics[0]?.buckets).toEqual({ "0.1": "1", "1": "2", "+Inf": "3" });
    expect(Number(hist?.metrics[0]?.count)).toBe(3);
    expect(Number(hist?.metrics[0]?.sum)).toBeCloseTo(3.55);
  });

  test("a name registered twice or an invalid name is refused", () => {
    const r = createMetricsRegistry();
    r.counter("a_total", "a");
    expect(() => r.counter("a_total", "again")).toThrow("registered twice");
    expect(() => r.gauge("bad-name", "x", () => 0)).toThrow("invalid metric name");
  });
});

describe("neo metrics", () => {
  test("every figure the issue names is present, with the listener, table and auth labels", () => {
    const m = createNeoMetrics({ broker, bans: () => 2 });
    m.dbWrite(
      [
        { table: "TAG", rows: 5 },
        { table: "OTHER", rows: 0 },
      ],
      0.003,
    );
    m.authAttempt("tcp", "token", "success");
    m.authAttempt("tcp", "token", "failure");
    m.authAttempt("http", "token", "failure");
    const f = parseMetrics(m.render());
    expect(sampleValue(f, "neo_mqtt_connections", { listener: "tcp" })).toBe(2);
    expect(sampleValue(f, "neo_mqtt_connections", { listener: "tls" })).toBe(0);
    expect(sampleValue(f, "neo_mqtt_connections", { listener: "wss" })).toBe(0);
    expect(sampleValue(f, "neo_mqtt_messages_received_total")).toBe(10);
    expect(f.get("neo_mqtt_messages_received_total")?.type).toBe("COUNTER");
    expect(sampleValue(f, "neo_mqtt_messages_sent_total")).toBe(7);
    expect(sampleValue(f, "neo_mqtt_subscriptions")).toBe(3);
    expect(sampleValue(f, "neo_mqtt_retained_messages")).toBe(1);
    expect(sampleValue(f, "neo_db_rows_written_total", { table: "TAG" })).toBe(5);
    expect(sampleValue(f, "neo_db_rows_written_total", { table: "OTHER" })).toBeUndefined();
    expect(f.get("neo_db_write_batch_seconds")?.type).toBe("HISTOGRAM");
    expect(sampleValue(f, "neo_auth_attempts_total", { listener: "tcp", method: "token", result: "failure" })).toBe(1);
    expect(sampleValue(f, "neo_bans")).toBe(2);
    expect(sampleValue(f, "process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
    expect(sampleValue(f, "process_cpu_seconds_total")).toBeGreaterThan(0);
    const start = sampleValue(f, "process_start_time_seconds") ?? 0;
    expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(3600);
  });

  test("the snapshot the console polls carries the same running totals", () => {
    const m = createNeoMetrics({ broker });
    m.dbWrite([{ table: "T", rows: 4 }], 0.001);
    m.authAttempt("web", "password", "failure");
    const s = m.snapshot();
    expect(s.connections).toBe(3);
    expect(s.rowsWritten).toBe(4);
    expect(s.authFailures).toBe(1);
    expect(s.bans).toBe(0);
    expect(s.messagesReceived).toBe(10);
  });
});
