// The latency scenarios: publish -> delivery p50 / p99 / p99.9 at a fixed publish rate,
// QoS 0 and QoS 1, one subscriber and 100 (issue 24). `latency` is the historical one
// (2,000 msg/s, QoS 0, one subscriber); `--only latency` runs all eight.
import type { Row, ScenarioDef } from "./scenario-defs.ts";

export function latencyDefs(quick: boolean, warmupMs: number): ScenarioDef[] {
  const out: ScenarioDef[] = [];
  for (const subscribers of [1, 100])
    for (const qos of [0, 1])
      for (const rate of [2000, 20_000]) {
        const key = [
          "latency",
          qos === 1 ? "q1" : "",
          subscribers > 1 ? `${subscribers}s` : "",
          rate > 2000 ? "20k" : "",
        ]
          .filter(Boolean)
          .join("-");
        const what = `${rate.toLocaleString("en")} msg/s, QoS ${qos}, ${subscribers} sub${subscribers > 1 ? "s" : ""}`;
        const row = (label: string, metric: string): Row => ({
          label: `latency ${label} at ${what}`,
          metric,
          unit: "ms",
          higherIsBetter: false,
          digits: 3,
        });
        out.push({
          key,
          scenario: "latency",
          mode: "tcp",
          needIds: subscribers + 1,
          cpu: true,
          bestBy: "p99",
          params: { rate, qos, subscribers, durationMs: quick ? 1000 : 5000, warmupMs },
          rows: [row("p50", "p50"), row("p99", "p99"), row("p99.9", "p999")],
        });
      }
  return out;
}
