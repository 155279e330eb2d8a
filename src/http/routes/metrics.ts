// GET /metrics: the Prometheus text exposition (format 0.0.4). Http.MetricsPublic = true
// lets anyone on the network scrape; else an API credential holding `metrics:read:*`
// (an anonymous caller while token auth is off passes, as before).
import { API, type RouteSpec } from "../route.ts";

const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

function handleMetrics(render: () => string): Response {
  return new Response(render(), { headers: { "content-type": PROMETHEUS_TEXT, "cache-control": "no-store" } });
}

export const metricsRoutes = (render: () => string): RouteSpec[] => [
  {
    method: "GET",
    path: "/metrics",
    who: API,
    openWhen: (cfg) => cfg.http.metricsPublic === true,
    scope: { op: "metrics:read", target: "*", anonymousPasses: true },
    handler: () => handleMetrics(render),
  },
];
