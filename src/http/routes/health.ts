// GET /health: no credential, for probes, and never behind the brute-force guard (matched
// on the parsed path only). `storage` says whether writes are accepted ("ok" or "full"
// with the reason), so a monitor sees a full disk before users do.
import { jsonResponse } from "../../lib/http/respond.ts";
import type { MigrationProgress, SeriesStore, StorageState } from "../../storage/index.ts";
import type { RouteSpec } from "../route.ts";

function handleHealth(startedAt: number, storage?: StorageState, migration?: MigrationProgress): Response {
  const uptime = Math.round((Date.now() - startedAt) / 1000);
  return jsonResponse({
    success: true,
    reason: "ok",
    uptime: `${uptime}s`,
    uptimeSeconds: uptime,
    ...(storage ? { storage } : {}),
    // the layout migration of old tables, while it runs (the gateway serves meanwhile)
    ...(migration ? { migration } : {}),
  });
}

export const healthRoutes = (d: { startedAt: number; store: SeriesStore }): RouteSpec[] => [
  {
    method: "GET",
    path: "/health",
    who: "public",
    handler: () => handleHealth(d.startedAt, d.store.storageState(), d.store.migration()),
  },
];
