// The shape of one audit-trail event, shared by the trail (registry/audit.ts) and the
// layers that write rows without importing the registry (http's runner, gRPC).

/** auth: an authentication outcome; change: a change made; ban: the guard banned an address;
 * deny: an authorization refusal (a 403, a PUBACK/SUBACK 0x87), aggregated per principal, operation
 * and minute (audit-aggregate.ts authorizationRefusals) */
export type AuditKind = "auth" | "change" | "ban" | "deny";
export type AuditMethod =
  | "token"
  | "certificate"
  | "password"
  | "pat"
  | "session"
  | "access_key"
  | "refresh_key"
  | "recovery_key"
  | "enrollment"
  | "none";

export interface AuditEvent {
  /** ms epoch; set on record() when absent */
  at?: number;
  kind: AuditKind;
  /** auth: "connect" / "login" / "request"; change: e.g. "key.create", "pat.revoke", "user.passwd";
   *  deny: the operation refused, e.g. "topics:publish", "tables:read" */
  action: string;
  result: "ok" | "fail";
  method?: AuditMethod;
  /** mqtt, mqtts, ws, wss, http, https, cli */
  listener?: string;
  address?: string;
  /** the client key involved (who connected, or the key changed) */
  client?: string;
  /** the user involved (who logged in, or who made the change) */
  user?: string;
  /** what was changed (a key id, a PAT id, a user name, a channel) */
  target?: string;
  reason?: string;
  /** extra facts as JSON text (e.g. the scopes added) */
  detail?: string;
}
