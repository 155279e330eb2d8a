// metrics: one set of counters for GET /metrics (Prometheus text format), $SYS and the
// console's Overview. Imports only lib.
export { createMetricsRegistry, formatValue, type Counter, type Histogram, type MetricsRegistry } from "./registry.ts";
export { createNeoMetrics, LISTENERS, type AuthResult, type NeoMetrics } from "./neo.ts";
export type { BridgeFigures, BrokerFigures, CoapFigures, MetricsSnapshot, MetricsSources } from "./figures.ts";
export { processFigures } from "./process.ts";
