// The reason texts of authorize()'s refusals: what a 403, a PUBACK reason string or an audit
// row says was not allowed. For people only: nothing decides by them.
import type { Operation } from "../lib/scopes.ts";

/** e.g. `not allowed to write table X` */
export function describe(op: Operation, resource: string): string {
  switch (op) {
    case "tables:read":
      return `not allowed to read table ${resource}`;
    case "tables:write":
      return `not allowed to write table ${resource}`;
    case "topics:publish":
      return `not allowed to publish to ${resource}`;
    case "topics:subscribe":
      return `not allowed to subscribe to ${resource}`;
    case "clients:connect":
      return `not allowed to connect with client id "${resource}"`;
    case "metrics:read":
      return "not allowed to read metrics";
    case "channels:publish":
      return `not allowed to publish to channel ${resource}`;
    case "channels:subscribe":
      return `not allowed to subscribe to channel ${resource}`;
    case "channels:list":
    case "channels:create":
    case "channels:delete":
    case "channels:update":
      return `not allowed to ${op.split(":")[1]} ${resource === "*" ? "channels" : `channel ${resource}`}`;
    case "channels:connect":
      return `not allowed to connect clients to channel ${resource}`;
    case "channels:disconnect":
      return `not allowed to disconnect clients from channel ${resource}`;
    case "audit:read":
      return "not allowed to read the audit trail";
    case "settings:read":
      return "not allowed to read the settings";
    case "bans:list":
    case "bans:clear":
      return `not allowed to ${op.split(":")[1]} bans`;
    case "users:list":
    case "users:create":
    case "users:update":
    case "users:delete":
      return `not allowed to ${op.split(":")[1]} users`;
    case "pats:list":
    case "pats:revoke":
    case "pats:reset":
      return `not allowed to ${op.split(":")[1]} other users' personal access tokens`;
    case "domains:members":
      return `not allowed to manage the members of domain ${resource}`;
    default:
      if (op.startsWith("keys:")) return `not allowed to ${op.split(":")[1]} key ${resource}`;
      if (op.startsWith("domains:"))
        return `not allowed to ${op.split(":")[1]} ${resource === "*" ? "domains" : `domain ${resource}`}`;
      return `not allowed to ${op.split(":")[1]} ${op.split(":")[0]} ${resource}`;
  }
}
