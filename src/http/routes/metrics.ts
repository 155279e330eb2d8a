// GET /metrics: the Prometheus text exposition (format 0.0.4). Who may read it is the
// route's "metrics" requirement (handler.ts): with token auth on, a key holding
// `metrics:read:*`; Http.MetricsPublic = true lets anyone on the network scrape.
export const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

export function handleMetrics(render: () => string): Response {
  return new Response(render(), { headers: { "content-type": PROMETHEUS_TEXT, "cache-control": "no-store" } });
}
