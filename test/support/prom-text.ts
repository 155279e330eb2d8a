// Parses Prometheus text exposition with an independent parser (npm
// parse-prometheus-text-format), for tests of /metrics.
import parse, { type PromFamily } from "parse-prometheus-text-format";

export type { PromFamily };

export function parseMetrics(text: string): Map<string, PromFamily> {
  return new Map(parse(text).map((f) => [f.name, f]));
}

/** the value of one sample whose labels include `labels` (undefined when absent) */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const f = families.get(name);
  const s = f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return s?.value === undefined ? undefined : Number(s.value);
}
