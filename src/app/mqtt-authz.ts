// What an MQTT session may do: the broker's publish, subscribe and deliver hooks, answered
// by auth's authorize() with the session's principal AS current() SAYS IT IS NOW. Each
// session keeps its credential reference (connected: on its meta; offline: remembered by
// client id); decisions are cached per session and topic, and every cache is dropped when
// the registry or the config changed (`changed()`), so a narrowed scope, a demoted user or
// a dead credential reaches live sessions within one re-check, and the hot path costs a
// map lookup. A dead credential is allowed nothing, its will included.
import { authorize, type Current, type CredentialRef, type Decision, type Identified } from "../auth/index.ts";
import type { Logger } from "../lib/log.ts";
import type { DeliveryTarget } from "../mqtt/index.ts";
import { parseWriteTopic } from "./data-topics.ts";
import { credentialOf, isConsole, type NeoClient, type SessionCredential } from "./mqtt-auth.ts";

/** a session's cache never grows past this many topics (a client cycling topics costs no memory) */
const MAX_CACHED = 1024;

interface Entry {
  epoch: number;
  ref: CredentialRef;
  /** the principal now; null when its credential is no longer usable (nothing allowed) */
  principal: Identified | null;
  /** why not, when principal is null */
  dead?: Extract<Current, { ok: false }>;
  /** when to ask current() again even if nothing changed (the credential's expiry) */
  expiresAt: number;
  publish: Map<string, boolean>;
  deliver: Map<string, boolean>;
}

/** `db/write/<t>[:csv...]`, `db/append/<t>`: the table a data topic writes */
function writtenTable(topic: string): string | null {
  if (!topic.startsWith("db/")) return null;
  const w = parseWriteTopic(topic);
  return typeof w === "object" ? w.table : null;
}

/** the owner the broker records for a principal of this credential (undefined: nobody's) */
const ownerOf = (ref: CredentialRef): string | undefined =>
  ref.kind === "client" ? ref.id : ref.kind === "pat" || ref.kind === "user" ? `user:${ref.user}` : undefined;

export interface MqttAuthzDeps {
  /** the one live re-check (auth.current) */
  current(ref: CredentialRef): Current;
  /** a restored session's owner (from mqtt-state.bin) without a remembered credential: its key now */
  keyRef(owner: string): CredentialRef | null;
  log: Logger;
  now?: () => number;
}

export function createMqttAuthorizer(deps: MqttAuthzDeps) {
  const now = deps.now ?? Date.now;
  let epoch = 0;
  /** connected sessions: by their credential record (one per connection) */
  const byCredential = new WeakMap<SessionCredential, Entry>();
  /** every session's credential by client id (offline deliveries are decided with it) */
  const refs = new Map<string, { ref: CredentialRef; entry?: Entry }>();

  function derive(ref: CredentialRef): Entry {
    const c = deps.current(ref);
    const e: Entry = {
      epoch,
      ref,
      principal: c.ok ? c.principal : null,
      expiresAt: c.ok ? c.principal.expiresAt : Number.POSITIVE_INFINITY,
      publish: new Map(),
      deliver: new Map(),
    };
    if (!c.ok) e.dead = c;
    return e;
  }

  const stale = (e: Entry) => e.epoch !== epoch || (e.principal !== null && now() >= e.expiresAt);

  function connected(cred: SessionCredential): Entry {
    let e = byCredential.get(cred);
    if (!e) {
      // as identified at CONNECT (no second lookup), unless a change was seen since then
      const p = cred.principal;
      e = {
        epoch: cred.epoch,
        ref: p.ref,
        principal: p,
        expiresAt: p.expiresAt,
        publish: new Map(),
        deliver: new Map(),
      };
      byCredential.set(cred, e);
    }
    if (stale(e)) byCredential.set(cred, (e = derive(e.ref)));
    return e;
  }

  function offline(clientId: string, owner: string | undefined): Entry {
    let known = refs.get(clientId);
    if (!known || ownerOf(known.ref) !== owner) {
      const ref: CredentialRef | null = owner === undefined ? { kind: "anonymous", id: clientId } : deps.keyRef(owner);
      if (!ref) return DENY_ALL;
      known = { ref };
      if (refs.size > 100_000) refs.clear();
      refs.set(clientId, known);
    }
    if (!known.entry || stale(known.entry)) known.entry = derive(known.ref);
    return known.entry;
  }

  function entryFor(client: NeoClient | null, owner: string | undefined, clientId: string): Entry {
    const cred = credentialOf(client);
    return cred ? connected(cred) : offline(clientId, owner);
  }

  const remember = (m: Map<string, boolean>, topic: string, ok: boolean) => {
    if (m.size >= MAX_CACHED) m.clear();
    m.set(topic, ok);
    return ok;
  };

  const decided = (d: Decision, who: string, verb: string) => {
    if (!d.allow) deps.log.debug(`${who}: ${verb} refused: ${d.reason}${d.scope ? ` (${d.scope})` : ""}`);
    return d.allow;
  };

  return {
    /** the registry or the config changed: every cached principal and decision goes */
    changed(): void {
      epoch++;
    },

    /** the epoch now: a session identified now is current until the next change */
    epoch: () => epoch,

    /** a session connected: its credential decides its offline deliveries later */
    connected(client: NeoClient): void {
      const cred = credentialOf(client);
      if (cred) refs.set(client.id, { ref: cred.principal.ref });
    },

    /** drop what is remembered of sessions that no longer exist */
    forget(exists: (clientId: string) => boolean): void {
      for (const id of refs.keys()) if (!exists(id)) refs.delete(id);
    },

    /** the credential of a session now: usable (with its principal) or why not */
    live(client: NeoClient): Current {
      const e = entryFor(client, client.identity, client.id);
      return e.principal
        ? { ok: true, principal: e.principal }
        : (e.dead ?? { ok: false, kind: "revoked", reason: "" });
    },

    /** the credential of an offline session now */
    liveOffline(clientId: string, owner: string | undefined): Current {
      const e = offline(clientId, owner);
      return e.principal
        ? { ok: true, principal: e.principal }
        : (e.dead ?? { ok: false, kind: "revoked", reason: "" });
    },

    /** the credential a session (connected or offline) acts with, for channel rights */
    refOf(t: DeliveryTarget<SessionCredential>): CredentialRef {
      return entryFor(t.client, t.owner, t.clientId).ref;
    },

    /** the principal a connected client acts as, with its current scopes (null: its credential is dead) */
    principalOf(client: NeoClient): Identified | null {
      return entryFor(client, client.identity, client.id).principal;
    },

    publish(client: NeoClient, topic: string): boolean {
      const e = entryFor(client, client.identity, client.id);
      const hit = e.publish.get(topic);
      if (hit !== undefined) return hit;
      // the console's Live page only watches; a dead credential does nothing (not even its will)
      if (!e.principal || isConsole(credentialOf(client))) return remember(e.publish, topic, false);
      let ok = decided(authorize(e.principal, "topics:publish", topic), client.id, `PUBLISH to ${topic}`);
      const table = ok ? writtenTable(topic) : null;
      if (table !== null) ok = decided(authorize(e.principal, "tables:write", table), client.id, `PUBLISH to ${topic}`);
      return remember(e.publish, topic, ok);
    },

    subscribe(client: NeoClient, filter: string): boolean {
      const e = entryFor(client, client.identity, client.id);
      if (!e.principal) return false;
      // $share/<group>/<filter>: the scope is about the filter
      const plain = filter.startsWith("$share/") ? filter.split("/").slice(2).join("/") : filter;
      return decided(authorize(e.principal, "topics:subscribe", plain), client.id, `SUBSCRIBE to ${filter}`);
    },

    deliver(t: DeliveryTarget<SessionCredential>, topic: string): boolean {
      const e = entryFor(t.client, t.owner, t.clientId);
      const hit = e.deliver.get(topic);
      if (hit !== undefined) return hit;
      return remember(
        e.deliver,
        topic,
        e.principal !== null && authorize(e.principal, "topics:subscribe", topic).allow,
      );
    },
  };
}

/** an owner with no credential to ask about: nothing is allowed */
const DENY_ALL: Entry = {
  epoch: Number.NaN,
  ref: { kind: "anonymous", id: "" },
  principal: null,
  expiresAt: Number.POSITIVE_INFINITY,
  publish: new Map(),
  deliver: new Map(),
};

export type MqttAuthorizer = ReturnType<typeof createMqttAuthorizer>;
