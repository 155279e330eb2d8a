// metrics: one set of counters for GET /metrics (Prometheus text format), $SYS and the
// console's Overview. Imports only lib.
export { createMetricsRegistry } from "./registry.ts";
export { createNeoMetrics, LISTENERS, type NeoMetrics } from "./neo.ts";
export type { BrokerFigures, CoapFigures, MetricsSnapshot } from "./figures.ts";
