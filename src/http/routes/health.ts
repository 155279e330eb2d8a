// GET /health: no auth, for probes.
import { jsonResponse } from "../../lib/http/respond.ts";

export function handleHealth(startedAt: number): Response {
  const uptime = Math.round((Date.now() - startedAt) / 1000);
  return jsonResponse({ success: true, reason: "ok", uptime: `${uptime}s`, uptimeSeconds: uptime });
}
