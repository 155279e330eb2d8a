// GET /health: no auth, for probes. `storage` says whether writes are accepted
// ("ok" or "full" with the reason), so a monitor sees a full disk before users do.
import { jsonResponse } from "../../lib/http/respond.ts";
import type { StorageState } from "../../storage/index.ts";

export function handleHealth(startedAt: number, storage?: StorageState): Response {
  const uptime = Math.round((Date.now() - startedAt) / 1000);
  return jsonResponse({
    success: true,
    reason: "ok",
    uptime: `${uptime}s`,
    uptimeSeconds: uptime,
    ...(storage ? { storage } : {}),
  });
}
