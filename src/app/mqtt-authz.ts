// What an MQTT session may do: the broker's publish, subscribe and deliver hooks, answered
// by auth's authorize() with the session's principal AS current() SAYS IT IS NOW. Each
// session keeps its credential reference (connected: on its meta; offline: remembered by
// client id); decisions are cached per session and topic, and every cache is dropped when
// the registry or the config changed (`changed()`), so a narrowed scope, a demoted user or
// a dead credential reaches live sessions within one re-check, and the hot path costs a
// map lookup. A dead credential is allowed nothing, its will included.
import { authorize, type Current, type CredentialRef, type Decision, type Identified } from "../auth/index.ts";
import { batchClock } from "../lib/batch-clock.ts";
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
  /** why not, when principal is null (always present: one object shape on the hot path) */
  dead: Extract<Current, { ok: false }> | undefined;
  /** when to ask current() again even if nothing changed (the credential's expiry) */
  expiresAt: number;
  /** answers per topic, made on the first one (an idle session asks none) */
  publish: Map<string, boolean> | null;
  deliver: Map<string, boolean> | null;
}

/** what a usable credential's re-check says about it: nothing to act on */
const USABLE = null;

/** `db/write/<t>[:csv...]`, `db/append/<t>`: the table a data topic writes */
function writtenTable(topic: string): string | null {
  if (!topic.startsWith("db/")) return null;
  const w = parseWriteTopic(topic);
  return typeof w === "object" ? w.table : null;
}

export interface MqttAuthzDeps {
  /** the one live re-check (auth.current) */
  current(ref: CredentialRef): Current;
  /** a restored session's owner (from mqtt-state.bin) without a remembered credential: its key now */
  keyRef(owner: string): CredentialRef | null;
  log: Logger;
  now?: () => number;
}

export function createMqttAuthorizer(deps: MqttAuthzDeps) {
  const now = deps.now ?? batchClock();
  let epoch = 0;
  /** told of every change (the broker drops the answers it keeps per session) */
  const listeners: (() => void)[] = [];
  // every session, connected or offline, keeps its Entry on its credential record (`rights`:
  // one per connection, kept by the broker's session), made only once something needs it
  const entryOf = (cred: SessionCredential) => cred.rights as Entry | null;
  /** sessions restored from mqtt-state.bin whose client has not come back (no record): by owner */
  const restored = new Map<string, Entry>();

  function derive(ref: CredentialRef): Entry {
    const c = deps.current(ref);
    const e: Entry = {
      epoch,
      ref,
      principal: c.ok ? c.principal : null,
      expiresAt: c.ok ? c.principal.expiresAt : Number.POSITIVE_INFINITY,
      dead: c.ok ? undefined : c,
      publish: null,
      deliver: null,
    };
    return e;
  }

  // the clock is read only for a credential that expires (most keys never do)
  const stale = (e: Entry) =>
    e.epoch !== epoch || (e.expiresAt !== Number.POSITIVE_INFINITY && e.principal !== null && now() >= e.expiresAt);

  /** a record with no Entry yet, identified since the last change and not expired: usable as identified */
  const fresh = (cred: SessionCredential) =>
    cred.rights === null &&
    cred.epoch === epoch &&
    (cred.principal.expiresAt === Number.POSITIVE_INFINITY || now() < cred.principal.expiresAt);

  function connected(cred: SessionCredential): Entry {
    let e = entryOf(cred);
    if (!e) {
      // as identified at CONNECT (no second lookup), unless a change was seen since then
      const p = cred.principal;
      e = {
        epoch: cred.epoch,
        ref: p.ref,
        principal: p,
        expiresAt: p.expiresAt,
        dead: undefined,
        publish: null,
        deliver: null,
      };
      cred.rights = e;
    }
    if (stale(e)) cred.rights = e = derive(e.ref);
    return e;
  }

  /** a restored session (no credential record survives a restart): its key now, anonymous scopes, or nothing */
  function restoredEntry(clientId: string, owner: string | undefined): Entry {
    const key = owner ?? `\u0000${clientId}`;
    let e = restored.get(key);
    if (!e || stale(e)) {
      const ref: CredentialRef | null = owner === undefined ? { kind: "anonymous", id: clientId } : deps.keyRef(owner);
      if (!ref) return DENY_ALL;
      e = derive(ref);
      if (restored.size > 10_000) restored.clear();
      restored.set(key, e);
    }
    return e;
  }

  function entryFor(t: {
    client: NeoClient | null;
    owner: string | undefined;
    clientId: string;
    meta?: SessionCredential;
  }): Entry {
    const cred = credentialOf(t.client) ?? t.meta;
    return cred ? connected(cred) : restoredEntry(t.clientId, t.owner);
  }

  const of = (c: NeoClient) => entryFor({ client: c, owner: c.identity, clientId: c.id });

  const remember = (e: Entry, kind: "publish" | "deliver", topic: string, ok: boolean) => {
    const m = (e[kind] ??= new Map());
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
      for (const fn of listeners) fn();
    },

    /** call `fn` on every change (after the epoch moved) */
    onChange(fn: () => void): void {
      listeners.push(fn);
    },

    /** until when the answers about this session stay true if nothing changes: its credential's expiry */
    until(t: DeliveryTarget<SessionCredential>): number {
      const e = entryFor(t);
      return e.principal ? e.expiresAt : Number.POSITIVE_INFINITY;
    },

    /** the epoch now: a session identified now is current until the next change */
    epoch: () => epoch,

    /** why a connected session's credential is no longer usable now; null while it is (no allocation: every session, every re-check) */
    deadOf(client: NeoClient): Extract<Current, { ok: false }> | null {
      const cred = credentialOf(client);
      if (cred && fresh(cred)) return USABLE;
      const e = of(client);
      return e.principal ? USABLE : (e.dead ?? { ok: false, kind: "revoked", reason: "" });
    },

    /**
     * when a connected session's credential must be judged again if nothing changes (its
     * expiry; Infinity: never); 0 when it is no longer usable now (no allocation for a fresh one)
     */
    dueAt(client: NeoClient): number {
      const cred = credentialOf(client);
      if (cred && fresh(cred)) return cred.principal.expiresAt;
      const e = of(client);
      return e.principal ? e.expiresAt : 0;
    },

    /** the credential of a session now: usable (with its principal) or why not */
    live(client: NeoClient): Current {
      const e = of(client);
      return e.principal
        ? { ok: true, principal: e.principal }
        : (e.dead ?? { ok: false, kind: "revoked", reason: "" });
    },

    /** the credential of an offline session now (its record, as the broker keeps it) */
    liveOffline(s: { clientId: string; owner: string | undefined; meta: SessionCredential | undefined }): Current {
      const e = entryFor({ client: null, ...s, ...(s.meta ? { meta: s.meta } : {}) });
      return e.principal
        ? { ok: true, principal: e.principal }
        : (e.dead ?? { ok: false, kind: "revoked", reason: "" });
    },

    /** the credential a session (connected or offline) acts with, for channel rights */
    refOf(t: DeliveryTarget<SessionCredential>): CredentialRef {
      return entryFor(t).ref;
    },

    /** the principal a connected client acts as, with its current scopes (null: its credential is dead) */
    principalOf(client: NeoClient): Identified | null {
      return of(client).principal;
    },

    publish(client: NeoClient, topic: string): boolean {
      const e = of(client);
      const hit = e.publish?.get(topic);
      if (hit !== undefined) return hit;
      // the console's Live page only watches; a dead credential does nothing (not even its will)
      if (!e.principal || isConsole(credentialOf(client))) return remember(e, "publish", topic, false);
      let ok = decided(authorize(e.principal, "topics:publish", topic), client.id, `PUBLISH to ${topic}`);
      const table = ok ? writtenTable(topic) : null;
      if (table !== null) ok = decided(authorize(e.principal, "tables:write", table), client.id, `PUBLISH to ${topic}`);
      return remember(e, "publish", topic, ok);
    },

    subscribe(client: NeoClient, filter: string): boolean {
      const e = of(client);
      if (!e.principal) return false;
      // $share/<group>/<filter>: the scope is about the filter
      const plain = filter.startsWith("$share/") ? filter.split("/").slice(2).join("/") : filter;
      return decided(authorize(e.principal, "topics:subscribe", plain), client.id, `SUBSCRIBE to ${filter}`);
    },

    deliver(t: DeliveryTarget<SessionCredential>, topic: string): boolean {
      const e = entryFor(t);
      const hit = e.deliver?.get(topic);
      if (hit !== undefined) return hit;
      return remember(
        e,
        "deliver",
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
  dead: undefined,
  publish: null,
  deliver: null,
};

export type MqttAuthorizer = ReturnType<typeof createMqttAuthorizer>;
