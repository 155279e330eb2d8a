// Who is asking, and may they: a CoAP request's credential (`?auth=<key>` as Mainflux
// devices send it, and over coaps+tcp the client certificate the handshake verified)
// goes to auth's identify(), its action to authorize() (`channels:publish|subscribe:<id>`,
// asked in the channel's SuperMQ domain: a key of another domain never may).
// The brute-force guard is asked first (a banned address costs a map lookup) and told of
// every guessed key; every refusal is audited (a refused credential as `auth`/fail, a
// refused action as `deny`, both aggregated by the trail past a few a minute), and a
// success once per key, address and listener a minute (a device posting every second
// would otherwise fill the trail).
import {
  authorize,
  type Credentials,
  type Guard,
  type Identified,
  type Identity,
  principalName,
  type RefusalKind,
} from "../auth/index.ts";
import { type PeerCert, presentedOf } from "../lib/peer-cert.ts";
import type { AuditLog } from "../registry/index.ts";
import { CODE } from "./options.ts";

/** what a refused CoAP client is told (the kind, in words; the old `code` spellings) */
const COAP_REASON: Record<Exclude<RefusalKind, "unavailable">, string> = {
  missing: "missing credentials",
  guess: "invalid token",
  expired: "invalid token",
  not_yet_valid: "invalid token",
  revoked: "invalid token",
  unknown_certificate: "invalid certificate",
  mismatch: "mismatch",
  not_here: "invalid token",
  invalid_scopes: "invalid scopes",
};

export interface DoorDeps {
  identify(c: Credentials): Identity;
  guard: Pick<Guard, "check" | "failed">;
  audit?: Pick<AuditLog, "record">;
  /** LAST USED of a key (called at most once a minute per key and address) */
  markUsed(clientId: string): void;
}

export interface Caller {
  address: string;
  listener: "coap" | "coaps+tcp";
  cert?: PeerCert;
}

/**
 * the channel a request names, as the channel message path resolves it (undefined: none
 * there), and the domain its right is asked in (lib/domain-id.ts channelRightDomain)
 */
export type ResolveChannel = () => { channel: { domainId: string } | undefined; rightDomain: string | undefined };

export type Admitted =
  | { ok: true; principal: Identified; domainId: string }
  | { ok: false; code: number; reason: string; maxAge?: number };

const SUCCESS_EVERY_MS = 60_000;

export function createDoor(deps: DoorDeps) {
  // listener|address|client -> when its success was last recorded
  const recorded = new Map<string, number>();

  function audit(c: Caller, target: string, ok: boolean, client: string | undefined, reason?: string): void {
    deps.audit?.record({
      kind: "auth",
      action: "request",
      result: ok ? "ok" : "fail",
      method: c.cert ? "certificate" : "token",
      listener: c.listener,
      address: c.address,
      ...(client !== undefined ? { client } : {}),
      ...(reason ? { reason } : {}),
      target,
    });
  }

  function refuse(c: Caller, target: string, code: number, reason: string): Admitted {
    audit(c, target, false, undefined, reason);
    return { ok: false, code, reason };
  }

  /**
   * identify + resolve + authorize one request; `target` is e.g. "POST /channels/c1/messages".
   * As the HTTP adapter: the right is decided BEFORE the channel's existence is told (4.03
   * for a caller without it, whether the channel exists or not); 4.04 only to a caller with it.
   */
  function admit(
    c: Caller,
    token: string | undefined,
    op: "publish" | "subscribe",
    channelId: string,
    target: string,
    resolve: ResolveChannel,
  ): Admitted {
    const g = deps.guard.check(c.address);
    if (!g.ok)
      return {
        ok: false,
        code: CODE.TOO_MANY_REQUESTS,
        reason: `too many failed authentications from this address, retry in ${g.retryAfterSec}s`,
        maxAge: g.retryAfterSec,
      };
    if (token === undefined && !c.cert)
      return refuse(c, target, CODE.UNAUTHORIZED, "missing credentials: add ?auth=<key> to the URI");
    const who = deps.identify({
      ...(token !== undefined ? { token } : {}),
      ...(c.cert ? { certificate: presentedOf(c.cert, c.address) } : {}),
      allowAnonymous: false,
    });
    if (!who.ok) {
      // a key that matched nothing is a guess: the guard counts it against the address
      if (who.kind === "guess") deps.guard.failed(c.address);
      const code =
        who.kind === "unavailable"
          ? CODE.SERVICE_UNAVAILABLE
          : who.kind === "invalid_scopes" || (who.kind === "mismatch" && c.cert)
            ? CODE.FORBIDDEN
            : CODE.UNAUTHORIZED;
      const reason = who.kind === "unavailable" ? "authentication unavailable, try again" : COAP_REASON[who.kind];
      return refuse(c, target, code, reason);
    }
    const p = who.principal;
    const { channel, rightDomain } = resolve();
    const d = authorize(p, `channels:${op}`, channelId, rightDomain);
    if (!d.allow) {
      // an authorization refusal is a `deny` event (the trail aggregates them per principal, operation, minute)
      const reason = `not allowed to ${op} on channel ${channelId}`;
      deps.audit?.record({
        kind: "deny",
        action: `channels:${op}`,
        result: "fail",
        ...(p.kind === "user" ? { user: principalName(p) } : { client: p.id }),
        target: channelId,
        listener: c.listener,
        address: c.address,
        method: c.cert ? "certificate" : "token",
        reason,
      });
      return { ok: false, code: CODE.FORBIDDEN, reason };
    }
    if (!channel) return { ok: false, code: CODE.NOT_FOUND, reason: `channel ${JSON.stringify(channelId)} not found` };
    const key = `${c.listener}|${c.address}|${p.id}`;
    const now = Date.now();
    const last = recorded.get(key);
    if (last === undefined || now - last >= SUCCESS_EVERY_MS) {
      if (recorded.size >= 10_000) recorded.clear();
      recorded.set(key, now);
      audit(c, target, true, p.id);
      if (p.kind !== "anonymous") deps.markUsed(p.id);
    }
    return { ok: true, principal: p, domainId: channel.domainId };
  }

  return { admit };
}

export type Door = ReturnType<typeof createDoor>;
