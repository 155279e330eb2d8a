// Channel messages (Mainflux/Magistrala): `channels/<id>/messages[/<subtopic>...]`.
// One place decides, for MQTT, the HTTP adapter and the WebSocket adapter alike:
//   - who may publish to / receive from a channel: the `channels:publish|subscribe:<id>`
//     scopes of the client's key, decided by auth's authorize() (the client's principal
//     is cached, and dropped whenever the registry changes, so a connect or disconnect
//     reaches live sessions within one re-check, 250 ms);
//   - what is stored: a SenML pack (content type application/senml+json, or a JSON array
//     of objects) is resolved and written to the channel's table (NAME/TIME/VALUE) and its
//     `<TABLE>_SENML` side table (every field) in one commit, BEFORE it is delivered;
//     invalid SenML is refused whole and not delivered; anything else (plain JSON, text,
//     binary) is delivered unchanged and not stored.
import { createLogAggregator } from "../lib/log-aggregate.ts";
import { authorize, type CredentialRef, type Principal } from "../auth/index.ts";
import { isNeoError } from "../lib/errors.ts";
import { genericReason } from "../lib/http/respond.ts";
import type { Logger } from "../lib/log.ts";
import { looksLikeSenml, parseJsonExact, resolveSenml, type SenmlRecord } from "../ingest/index.ts";
import type { Channel, ChannelOperation, Channels } from "../registry/index.ts";
import type { Row, SenmlRow } from "../storage/index.ts";
import { type ChannelTopic, channelTopic, parseChannelTopic } from "./topics.ts";

export { channelTopic, type ChannelTopic, parseChannelTopic } from "./topics.ts";

const SENML_JSON = "application/senml+json";
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** one cache key per credential (anonymous callers share Auth.AnonymousScopes) */
function refKey(ref: CredentialRef): string {
  switch (ref.kind) {
    case "client":
      // a company CA's certificate is its own credential (its CRL may end it alone)
      return `c\u0000${ref.id}\u0000${ref.generation}\u0000${ref.trusted ? `${ref.trusted.ca}\u0000${ref.trusted.serial}` : ""}`;
    case "pat":
      return `p\u0000${ref.id}\u0000${ref.generation}`;
    case "user":
    case "session":
      return `u\u0000${ref.key}`;
    case "anonymous":
      return `a\u0000${ref.listener ?? ""}`; // a named listener's AnonymousScopes are its own
    case "enrollment":
      return `e\u0000${ref.id}`;
    case "bridge":
      return `b\u0000${ref.name}`;
  }
}

/** The outcome of one message: stored (n SenML records), delivered only (not SenML), or refused. */
export type IngestResult =
  | { ok: true; stored: number; senml: boolean }
  | { ok: false; reason: string; status: 400 | 415 | 500 | 507 };

/** where a channel's SenML goes: the gateway's write batcher (one commit, then the ack) */
export interface ChannelWriter {
  write(table: string, rows: Row[], senml?: SenmlRow[]): Promise<number>;
}

export interface ChannelMessagesDeps {
  channels: Channels;
  /** the principal behind a credential now (auth.current; null: no longer usable) */
  principalOf(ref: CredentialRef): Principal | null;
  batcher: ChannelWriter;
  log: Logger;
  now?: () => bigint;
  /** a SuperMQ domain's id from its route or id (undefined: no such domain) */
  domainOf?(routeOrId: string): string | undefined;
  /** a SuperMQ domain's route from its id (undefined: no such domain) */
  routeOf?(domainId: string): string | undefined;
}

/** where a channel message came from, kept beside its records for Mainflux's readers */
export interface MessageOrigin {
  /** the client id (or user) that published; "" when anonymous */
  publisher: string;
  protocol: "mqtt" | "http" | "websocket" | "coap";
  subtopic: string;
}

function toRows(records: SenmlRecord[], channel: string, origin?: MessageOrigin) {
  const rows = records.map((r) => ({ name: r.name, time: r.time, value: r.value ?? null }));
  const senml: SenmlRow[] = records.map((r) => ({
    name: r.name,
    time: r.time,
    value: r.value ?? null,
    unit: r.unit ?? null,
    stringValue: r.stringValue ?? null,
    boolValue: r.boolValue ?? null,
    dataValue: r.dataValue ?? null,
    sum: r.sum ?? null,
    channel,
    publisher: origin?.publisher || null,
    subtopic: origin?.subtopic ?? null,
    protocol: origin?.protocol ?? null,
  }));
  return { rows, senml };
}

export function createChannelMessages(deps: ChannelMessagesDeps) {
  const { channels, log } = deps;
  const failedWrites = createLogAggregator(log, "failed channel message writes");
  const nowNs = deps.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  // credential -> its principal now and its decisions per channel; all dropped when the
  // registry changes (the hot path is two map lookups)
  interface Rights {
    principal: Principal | null;
    publish: Map<string, boolean>;
    subscribe: Map<string, boolean>;
  }
  let principals = new Map<string, Rights>();
  let version = channels.dataVersion();
  // channel id -> channel (null: none); cleared with the rights
  let known = new Map<string, Channel | null>();
  // SuperMQ topic -> its other spellings (m/<route>/... <-> m/<id>/...); cleared with the rights
  let spelled = new Map<string, string[]>();
  // a topic's domain (route or id) -> the domain's id (null: none), asked per message and
  // delivery: one registry read per domain until the registry changes
  let domains = new Map<string, string | null>();
  const domainOf = (routeOrId: string): string | undefined => {
    let id = domains.get(routeOrId);
    if (id === undefined) {
      id = deps.domainOf?.(routeOrId) ?? null;
      if (domains.size > 10_000) domains = new Map();
      domains.set(routeOrId, id);
    }
    return id ?? undefined;
  };

  /**
   * Call often (the gateway's 250 ms re-check): drops the cache when anything changed in
   * the registry, or when `force` says something else did (a reload of Auth.AnonymousScopes).
   */
  function refresh(force = false): boolean {
    const v = channels.dataVersion();
    if (v === version && !force) return false;
    version = v;
    principals = new Map();
    known = new Map();
    spelled = new Map();
    domains = new Map();
    return true;
  }

  function rightsOf(ref: CredentialRef): Rights {
    const key = refKey(ref);
    let r = principals.get(key);
    if (r) return r;
    let principal: Principal | null;
    try {
      principal = deps.principalOf(ref);
    } catch (e) {
      log.error(`the scopes of a ${ref.kind} credential cannot be read; no channel rights`, e);
      principal = null;
    }
    r = { principal, publish: new Map(), subscribe: new Map() };
    if (principals.size > 100_000) principals = new Map();
    principals.set(key, r);
    return r;
  }

  function channelById(id: string): Channel | null {
    let channel = known.get(id);
    if (channel === undefined) {
      channel = channels.get(id);
      if (known.size > 10_000) known = new Map();
      known.set(id, channel);
    }
    return channel;
  }

  /**
   * may the holder of this credential do `op` on the channel (as its rights are now)? Asked
   * in the channel's domain: a key of another domain never may, whatever its scopes say
   */
  function allowed(ref: CredentialRef, channelId: string, op: ChannelOperation): boolean {
    const r = rightsOf(ref);
    const decided = r[op];
    let yes = decided.get(channelId);
    if (yes === undefined) {
      const domain = channelById(channelId)?.domainId;
      yes = r.principal !== null && authorize(r.principal, `channels:${op}`, channelId, domain).allow;
      if (decided.size > 10_000) decided.clear();
      decided.set(channelId, yes);
    }
    return yes;
  }

  /**
   * Parse, resolve and store a channel message. `contentType` is the HTTP Content-Type or
   * the MQTT v5 content type (undefined when none was given: SenML is recognised by shape).
   */
  async function ingest(
    channel: Channel,
    payload: Uint8Array,
    contentType: string | undefined,
    origin?: MessageOrigin,
  ): Promise<IngestResult> {
    const type = contentType?.split(";")[0]?.trim().toLowerCase();
    const declared = type === SENML_JSON;
    if (type !== undefined && type !== "" && !declared && type !== "application/json")
      return { ok: true, stored: 0, senml: false }; // another format: delivered as it is
    let records: SenmlRecord[];
    try {
      let text: string;
      try {
        text = utf8.decode(payload);
      } catch {
        if (declared) return { ok: false, reason: "SenML pack is not valid UTF-8", status: 400 };
        return { ok: true, stored: 0, senml: false };
      }
      let doc: unknown;
      try {
        doc = parseJsonExact(text, "SenML pack");
      } catch (e) {
        if (declared || type === "application/json") throw e;
        return { ok: true, stored: 0, senml: false }; // not JSON at all: a blob
      }
      if (!declared && !looksLikeSenml(doc)) return { ok: true, stored: 0, senml: false }; // plain JSON
      records = resolveSenml(doc, { now: nowNs() });
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e), status: 400 };
    }
    if (records.length === 0) return { ok: true, stored: 0, senml: true };
    const { rows, senml } = toRows(records, channel.id, origin);
    try {
      const n = await deps.batcher.write(channel.table, rows, senml);
      return { ok: true, stored: n, senml: true };
    } catch (e) {
      if (isNeoError(e) && e.status < 500) return { ok: false, reason: e.message, status: 400 };
      // a 5xx never carries the internal message (it goes to the log); a full disk says so
      const full = isNeoError(e) && e.code === "storage_full";
      // per message: a few per channel in full, then a count a minute (a full disk: the store's own WARN)
      if (!full)
        failedWrites.warn(
          channel.id,
          `storing a message of channel ${channel.id} in ${channel.table} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      return full
        ? { ok: false, reason: e.message, status: 507 }
        : { ok: false, reason: genericReason(500), status: 500 };
    }
  }

  return {
    refresh,
    allowed,
    ingest,
    /** a SuperMQ domain's id from its route or id (undefined: no such domain) */
    domainOf,
    /**
     * the channel behind a topic, or undefined (not a channel topic, no such channel, or
     * SuperMQ's form naming a domain the channel does not live in)
     */
    channelOf(topic: string): { channel: Channel; topic: ChannelTopic } | undefined {
      const t = parseChannelTopic(topic);
      if (!t) return undefined;
      const channel = channelById(t.channelId);
      if (!channel) return undefined;
      if (t.domain !== undefined && domainOf(t.domain) !== channel.domainId) return undefined;
      return { channel, topic: t };
    },
    /**
     * The other spellings of a channel message's topic: `m/<domain route>/c/<id>` and
     * `m/<domain id>/c/<id>` are one topic, so the broker, the sockets and the observers
     * deliver it under each (once per message, a map lookup; [] for Mainflux's form).
     */
    spellings(found: { channel: Channel; topic: ChannelTopic }, topic: string): string[] {
      const t = found.topic;
      if (t.domain === undefined) return [];
      let out = spelled.get(topic);
      if (out) return out;
      const id = found.channel.domainId;
      out = [...new Set([id, deps.routeOf?.(id)])]
        .filter((d): d is string => d !== undefined && d !== t.domain)
        .map((d) => channelTopic(t.channelId, t.subtopic, d));
      if (spelled.size > 10_000) spelled = new Map();
      spelled.set(topic, out);
      return out;
    },
  };
}

export type ChannelMessages = ReturnType<typeof createChannelMessages>;
