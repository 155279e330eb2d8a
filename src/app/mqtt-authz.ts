// What an MQTT session may do: the broker's publish, subscribe and deliver hooks, answered
// by auth's authorize() with the session's current scopes. Decisions are cached per
// session (per topic); the whole cache is dropped when the registry changed (the session
// re-check notices data_version within 250 ms and calls `changed()`) or the config was
// reloaded, so a narrowed scope reaches live sessions within a second and the hot path
// costs a map lookup.
import { authorize, makePrincipal, parseScopesCached, type Decision, type Principal } from "../auth/index.ts";
import type { Scope } from "../lib/scopes.ts";
import type { Logger } from "../lib/log.ts";
import type { ClientRef, DeliveryTarget } from "../mqtt/index.ts";
import type { Registry } from "../registry/index.ts";
import { parseWriteTopic } from "./data-topics.ts";
import type { SessionCredential } from "./mqtt-auth.ts";

/** a session's cache never grows past this many topics (a client cycling topics costs no memory) */
const MAX_CACHED = 1024;

interface Entry {
  epoch: number;
  principal: Principal;
  publish: Map<string, boolean>;
  deliver: Map<string, boolean>;
}

/** `db/write/<t>[:csv...]`, `db/append/<t>`: the table a data topic writes */
function writtenTable(topic: string): string | null {
  if (!topic.startsWith("db/")) return null;
  const w = parseWriteTopic(topic);
  return typeof w === "object" ? w.table : null;
}

export interface MqttAuthzDeps {
  registry: Pick<Registry, "get">;
  anonymousScopes(): readonly string[];
  log: Logger;
  /** a user's principal (a PAT session) as it is now; null when it is gone */
  person?(p: Principal): Principal | null;
}

export function createMqttAuthorizer(deps: MqttAuthzDeps) {
  let epoch = 0;
  /** connected sessions: by their credential record (one per connection) */
  const byCredential = new WeakMap<SessionCredential, Entry>();
  /** offline sessions and clients without a record: by owner ("" + client id when anonymous) */
  const byOwner = new Map<string, Entry>();
  function scopes(list: readonly string[]): readonly Scope[] {
    try {
      return parseScopesCached(list);
    } catch (e) {
      deps.log.error("stored scopes are invalid: nothing is allowed until they are fixed", e);
      return [];
    }
  }

  /** the principal as the registry says now (a deleted key: nothing allowed; the watch ends it) */
  function current(id: string, kind: Principal["kind"]): Principal {
    if (kind === "anonymous") return makePrincipal(id, "anonymous", scopes(deps.anonymousScopes()));
    const rec = deps.registry.get(id);
    return makePrincipal(id, kind, scopes(rec ? rec.scopes : []));
  }

  const fresh = (principal: Principal): Entry => ({ epoch, principal, publish: new Map(), deliver: new Map() });

  function entryFor(client: ClientRef | null, owner: string | undefined, clientId: string): Entry {
    const cred = client?.meta as SessionCredential | undefined;
    if (cred?.principal) {
      let e = byCredential.get(cred);
      if (!e) byCredential.set(cred, (e = fresh(cred.principal)));
      else if (e.epoch !== epoch)
        byCredential.set(
          cred,
          (e = fresh(
            cred.principal.kind === "user"
              ? (deps.person?.(cred.principal) ?? makePrincipal(cred.principal.id, "user", []))
              : current(e.principal.id, e.principal.kind),
          )),
        );
      return e;
    }
    const key = owner !== undefined ? owner : `\u0000${clientId}`;
    let e = byOwner.get(key);
    if (!e || e.epoch !== epoch) {
      e = fresh(owner !== undefined ? current(owner, "client") : current(clientId, "anonymous"));
      if (byOwner.size > 10_000) byOwner.clear();
      byOwner.set(key, e);
    }
    return e;
  }

  const remember = (m: Map<string, boolean>, topic: string, ok: boolean) => {
    if (m.size >= MAX_CACHED) m.clear();
    m.set(topic, ok);
    return ok;
  };

  const denied = (d: Decision, who: string, verb: string) => {
    if (!d.allow) deps.log.debug(`${who}: ${verb} refused: ${d.reason}${d.scope ? ` (${d.scope})` : ""}`);
    return d.allow;
  };

  return {
    /** the registry or the anonymous scopes changed: every cached decision goes */
    changed(): void {
      epoch++;
      byOwner.clear();
    },

    /** the principal a connected client acts as, with its current scopes */
    principalOf(client: ClientRef): Principal {
      return entryFor(client, client.identity, client.id).principal;
    },

    publish(client: ClientRef, topic: string): boolean {
      const e = entryFor(client, client.identity, client.id);
      const hit = e.publish.get(topic);
      if (hit !== undefined) return hit;
      let ok = denied(authorize(e.principal, "topics:publish", topic), client.id, `PUBLISH to ${topic}`);
      const table = ok ? writtenTable(topic) : null;
      if (table !== null) ok = denied(authorize(e.principal, "tables:write", table), client.id, `PUBLISH to ${topic}`);
      return remember(e.publish, topic, ok);
    },

    subscribe(client: ClientRef, filter: string): boolean {
      const e = entryFor(client, client.identity, client.id);
      // $share/<group>/<filter>: the scope is about the filter
      const plain = filter.startsWith("$share/") ? filter.split("/").slice(2).join("/") : filter;
      return denied(authorize(e.principal, "topics:subscribe", plain), client.id, `SUBSCRIBE to ${filter}`);
    },

    deliver(t: DeliveryTarget, topic: string): boolean {
      const e = entryFor(t.client, t.owner, t.clientId);
      const hit = e.deliver.get(topic);
      if (hit !== undefined) return hit;
      return remember(e.deliver, topic, authorize(e.principal, "topics:subscribe", topic).allow);
    },
  };
}

export type MqttAuthorizer = ReturnType<typeof createMqttAuthorizer>;
