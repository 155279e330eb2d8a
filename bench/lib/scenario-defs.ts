// The catalogue of measurements: what each runs, with which knobs, and how it is shown.
import type { ScenarioName } from "./spec.ts";
import type { Mode } from "./targets/types.ts";
import { latencyDefs } from "./latency-defs.ts";

/** the warm idle figures read RSS once no client came for this long (bench/lib/scenarios/idle-rss.ts idleRss) */
const IDLE_QUIET_MS = 11_000;

export interface Row {
  label: string;
  metric: string; // key in GenResult.metrics
  unit: string;
  higherIsBetter: boolean;
  digits?: number;
  /** divide the metric by this for display (KB -> MB: 1024) */
  scale?: number;
}

export interface ScenarioDef {
  key: string;
  scenario: ScenarioName;
  mode: Mode;
  targets?: string[]; // restrict to these target names
  needIds: number; // identities (lanes) the generator may use
  params: Record<string, number | number[] | string>;
  rows: Row[];
  /** show generator/broker CPU for this one */
  cpu: boolean;
  /** the row whose metric picks the best of repeated runs; default the first */
  bestBy?: string;
}

export function scenarioDefs(quick: boolean, maxConns: number, latencyWarmupMs?: number): ScenarioDef[] {
  const d = quick ? 800 : 3000; // measured window, ms
  const w = quick ? 200 : 500; // warm-up, ms
  const rate = (label: string, unit = "msgs/s"): Row[] => [{ label, metric: "rate", unit, higherIsBetter: true }];
  const steps = (quick ? [1000] : [1000, 10_000]).filter((n) => n <= maxConns);
  return [
    {
      key: "qos0-fanin",
      scenario: "qos0",
      mode: "tcp",
      needIds: 5,
      cpu: true,
      params: { publishers: 4, subscribers: 1, durationMs: d, warmupMs: w, payloadBytes: 64 },
      rows: rate("QoS 0 fan-in, 4 pub -> 1 sub, received"),
    },
    {
      key: "qos0-fanout",
      scenario: "qos0",
      mode: "tcp",
      needIds: 9,
      cpu: true,
      params: { publishers: 1, subscribers: 8, durationMs: d, warmupMs: w, payloadBytes: 64 },
      rows: rate("QoS 0 fan-out, 1 pub -> 8 subs, deliveries", "deliveries/s"),
    },
    {
      key: "qos1",
      scenario: "qos1",
      mode: "tcp",
      needIds: 4,
      cpu: true,
      params: { publishers: 4, window: 256, durationMs: d, warmupMs: w, payloadBytes: 64 },
      rows: rate("QoS 1 acked, 4 pubs x 256 in flight", "acks/s"),
    },
    {
      key: "connect",
      scenario: "connect",
      mode: "tcp",
      needIds: 16,
      cpu: true,
      params: { concurrency: 16, durationMs: d, warmupMs: w, maxTotal: 40_000 },
      rows: rate("auth connects (CONNECT+CONNACK+DISCONNECT), 16 concurrent", "conn/s"),
    },
    {
      key: "connect-200",
      scenario: "connect",
      mode: "tcp",
      needIds: 200,
      cpu: true,
      params: { concurrency: 200, durationMs: d, warmupMs: w, maxTotal: 40_000 },
      rows: rate("auth connects (CONNECT+CONNACK+DISCONNECT), 200 concurrent", "conn/s"),
    },
    {
      key: "storm",
      scenario: "storm",
      mode: "tcp",
      needIds: 1,
      cpu: true,
      bestBy: "pingP99",
      params: { clients: Math.min(quick ? 2000 : 10_000, maxConns), pingMs: 10 },
      rows: [
        {
          label: "reconnect storm: clients connected at once (keep alive 60 s)",
          metric: "connected",
          unit: "clients",
          higherIsBetter: true,
        },
        {
          label: "reconnect storm: refused by the broker / failed",
          metric: "refused",
          unit: "refused",
          higherIsBetter: false,
        },
        {
          label: "reconnect storm: connects failed otherwise",
          metric: "failed",
          unit: "failed",
          higherIsBetter: false,
        },
        {
          label: "reconnect storm: all connected after",
          metric: "seconds",
          unit: "s",
          higherIsBetter: false,
          digits: 2,
        },
        { label: "reconnect storm: connects/s", metric: "rate", unit: "conn/s", higherIsBetter: true },
        {
          label: "reconnect storm: PINGREQ p50 of a connected client",
          metric: "pingP50",
          unit: "ms",
          higherIsBetter: false,
          digits: 2,
        },
        {
          label: "reconnect storm: PINGREQ p99 of a connected client",
          metric: "pingP99",
          unit: "ms",
          higherIsBetter: false,
          digits: 2,
        },
        { label: "reconnect storm: PINGREQ max", metric: "pingMax", unit: "ms", higherIsBetter: false, digits: 1 },
        {
          label: "reconnect storm: PINGREQ max in the second after",
          metric: "pingAfterMax",
          unit: "ms",
          higherIsBetter: false,
          digits: 1,
        },
      ],
    },
    ...latencyDefs(quick, latencyWarmupMs ?? w),
    {
      key: "idle-rss",
      scenario: "idle-rss",
      mode: "tcp",
      needIds: 1,
      cpu: false,
      bestBy: "kbPerConn1000",
      params: { steps, maxConns, concurrency: 64, quietMs: IDLE_QUIET_MS },
      rows: [
        { label: "broker RSS, fresh", metric: "baseKb", unit: "MB", higherIsBetter: false, scale: 1024, digits: 1 },
        {
          label: "RSS per idle auth conn, first 1,000 on a fresh broker (cold)",
          metric: "kbPerConnCold",
          unit: "KB",
          higherIsBetter: false,
          digits: 2,
        },
        {
          label: "broker RSS, idle again after those closed",
          metric: "warmBaseKb",
          unit: "MB",
          higherIsBetter: false,
          scale: 1024,
          digits: 1,
        },
        ...steps.flatMap((n): Row[] => [
          {
            label: `broker RSS with ${n.toLocaleString("en")} idle auth conns (warm)`,
            metric: `rss${n}Kb`,
            unit: "MB",
            higherIsBetter: false,
            scale: 1024,
            digits: 1,
          },
          {
            label: `RSS per idle auth conn (${n.toLocaleString("en")}, warm)`,
            metric: `kbPerConn${n}`,
            unit: "KB",
            higherIsBetter: false,
            digits: 2,
          },
        ]),
      ],
    },
    {
      key: "idle-50k",
      scenario: "idle-many",
      mode: "tcp",
      needIds: 1,
      cpu: false,
      bestBy: "kbPerConn5000",
      params: {
        steps: quick ? [5000] : [5000, 50_000],
        maxConns,
        perSource: 5000,
        concurrency: 64,
        quietMs: IDLE_QUIET_MS,
      },
      rows: [
        ...[5000, 50_000].map(
          (n): Row => ({
            label: `RSS per idle auth conn (${n.toLocaleString("en")}, warm, 127.0.0.x sources)`,
            metric: `kbPerConn${n}`,
            unit: "KB",
            higherIsBetter: false,
            digits: 2,
          }),
        ),
        {
          label: "idle auth conns the open-files limit allows (when below 50,000)",
          metric: "connsMost",
          unit: "conns",
          higherIsBetter: true,
        },
        {
          label: "RSS per idle auth conn at that many",
          metric: "kbPerConnMost",
          unit: "KB",
          higherIsBetter: false,
          digits: 2,
        },
      ],
    },
    {
      key: "db-append",
      scenario: "db-append",
      mode: "tcp",
      targets: ["neo"],
      needIds: 2,
      cpu: true,
      params: { publishers: 2, rowsPerMsg: 100, window: 16, durationMs: d },
      rows: rate("db/append rows committed (QoS 1, 100 rows/msg)", "rows/s"),
    },
    {
      key: "tls-connect",
      scenario: "connect",
      mode: "tls",
      targets: ["neo", "mosquitto"],
      needIds: 8,
      cpu: true,
      params: { concurrency: 8, durationMs: d, maxTotal: 10_000 },
      rows: rate("mTLS handshake + CONNECT, 8 concurrent", "conn/s"),
    },
    {
      key: "tls-qos0",
      scenario: "qos0",
      mode: "tls",
      targets: ["neo", "mosquitto"],
      needIds: 5,
      cpu: true,
      params: { publishers: 4, subscribers: 1, durationMs: d, warmupMs: w, payloadBytes: 64 },
      rows: rate("TLS QoS 0 fan-in, 4 pub -> 1 sub, received"),
    },
    {
      key: "tls-qos1",
      scenario: "qos1",
      mode: "tls",
      targets: ["neo", "mosquitto"],
      needIds: 4,
      cpu: true,
      params: { publishers: 4, window: 256, durationMs: d, warmupMs: w, payloadBytes: 64 },
      rows: rate("TLS QoS 1 acked, 4 pubs x 256 in flight", "acks/s"),
    },
  ];
}

export function selected(key: string, only: string[] | null): boolean {
  if (!only) return true;
  // "=key" selects that scenario alone (e.g. "=latency", not the seven latency-* beside it)
  return only.some(
    (o) => key === o || o === `=${key}` || key.startsWith(`${o}-`) || (o === "tls" && key.startsWith("tls-")),
  );
}
