// The contract between the runner and a generator process: a spec in (stdin JSON),
// one result out (last stdout line, JSON).
import type { Identity } from "./targets/types.ts";

export type ScenarioName = "qos0" | "qos1" | "connect" | "latency" | "idle-rss" | "db-append" | "storm" | "idle-many";

export interface GenSpec {
  scenario: ScenarioName;
  host: string;
  port: number;
  tls: boolean;
  ids: Identity[];
  fixedIds: boolean;
  brokerPid: number;
  http?: { base: string; token: string };
  /** scenario knobs; every scenario documents the ones it reads */
  params: Record<string, number | number[] | string>;
}

/** CPU use over the measured window, as fractions of one core. */
export interface CpuWindow {
  wallSec: number;
  genCpu: number;
  brokerCpu: number;
}

export interface GenResult {
  scenario: ScenarioName;
  /** headline figures, e.g. { rate: 123456 } or { p50: 0.21, p99: 0.5 } */
  metrics: Record<string, number>;
  cpu?: CpuWindow;
  notes: string[];
}
