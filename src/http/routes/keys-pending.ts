// Approval at first use over HTTP (Tls.TrustedCA with Policy "pinned"), behind two doors:
//   /keys/pending          any API credential (client token or certificate, access key, PAT)
//   /web/api/keys/pending  the console (a web session)
//   GET  the pending certificates of the clients the caller's keys:list scopes name
//   POST /<fingerprint>/approve   register it as its client's (keys:create:<client>), `key.approve`
//   POST /<fingerprint>/reject    drop it (keys:create:<client>), `key.reject`
// The same registry calls as `neo shell key pending|approve|reject`; the API decides,
// the console only shows and asks.
import { ok } from "../../lib/http/respond.ts";
import { API, CONSOLE, type RouteContext, type RouteSpec } from "../route.ts";

/** one pending certificate as the registry shows it (registry/pending-certs.ts pendingJson) */
interface PendingView {
  clientId: string;
  ca: string;
  fingerprint: string;
  subject: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  firstSeen: string;
  lastSeen: string;
  address: string;
}

/** what the routes need (app hands registry.pending, as JSON views) */
export interface PendingStore {
  list(): PendingView[];
  /** by fingerprint (or client id with exactly one); throws not_found / pending_ambiguous */
  find(key: string): PendingView;
  approve(key: string): PendingView;
  reject(key: string): PendingView;
}

export function pendingKeyRoutes(store: PendingStore): RouteSpec[] {
  /** the pending certificate of the path, once the caller may create keys for its client */
  const act = (c: RouteContext, what: "approve" | "reject") => {
    const p = store.find(c.params.fp!);
    c.need("keys:create", p.clientId);
    const done = what === "approve" ? store.approve(p.fingerprint) : store.reject(p.fingerprint);
    c.changed = { target: done.clientId, detail: { fingerprint: done.fingerprint, ca: done.ca } };
    return ok(c.started, { data: done });
  };
  const routes = (prefix: string, who: typeof API): RouteSpec[] => [
    {
      method: "POST",
      path: `${prefix}/pending/:fp/approve`,
      who,
      change: "key.approve",
      handler: (_, c) => act(c, "approve"),
    },
    {
      method: "POST",
      path: `${prefix}/pending/:fp/reject`,
      who,
      change: "key.reject",
      handler: (_, c) => act(c, "reject"),
    },
  ];
  return [
    {
      method: "GET",
      path: "/keys/pending",
      who: API,
      handler: (_, c) => {
        // like GET /keys: the caller sees the clients its keys:list scopes name
        if (!c.principal?.scopes.some((s) => s.operation === "keys:list" && !s.deny)) c.need("keys:list", "*");
        return ok(c.started, { data: store.list().filter((p) => c.may("keys:list", p.clientId)) });
      },
    },
    ...routes("/keys", API),
    {
      method: "GET",
      path: "/web/api/keys/pending",
      who: CONSOLE,
      scope: { op: "keys:list", target: "*" },
      handler: (_, c) => ok(c.started, { data: store.list() }),
    },
    ...routes("/web/api/keys", CONSOLE),
  ];
}
