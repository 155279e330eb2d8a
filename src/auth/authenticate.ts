// Token and client-certificate authentication against the registry. A certificate check
// reads the registry (one primary-key lookup); a token that verified is kept until the
// registry changes (token-cache.ts: data_version), so a key revoked or deleted by any
// process fails at once.
import { createLogger } from "../lib/log.ts";
import { warnIfDiskFull } from "../lib/disk-full.ts";
import { tokenClientId, type ClientRecord, type Registry } from "../registry/index.ts";
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import type { Identity } from "./credential.ts";
import { type CurrentDeps, createCurrent } from "./current.ts";
import { createTokenCache } from "./token-cache.ts";
import { createIdentify, type Credentials } from "./identify.ts";
import type { Auth, AuthFailureReason, AuthOutcome } from "./types.ts";
import { sameBytes } from "../lib/secret-bytes.ts";
import type { TrustedCas } from "../pki/index.ts";
import { keepPending, trustedClient } from "./trusted-cert.ts";

const log = createLogger("auth");
const DUMMY_HASH = new Uint8Array(32);

export interface AuthDeps {
  registry: Registry;
  now?: () => number;
  /** Auth.AnonymousScopes, read per identification (a reload may change it) */
  anonymousScopes?: (listener?: string) => readonly string[];
  /** login access keys, sessions and PATs (auth/people.ts) */
  person?: (c: Credentials) => Identity | undefined;
  /** people's stores, for current() of PATs, access keys and sessions */
  people?: CurrentDeps["people"];
  /** the CAs trusted besides the gateway's own (Tls.TrustedCA), read per certificate */
  trust?: () => TrustedCas | undefined;
  /** a Bridge block's scopes in the current settings, for current({kind:"bridge"}) */
  bridgeScopes?: CurrentDeps["bridgeScopes"];
}

const fail = (reason: AuthFailureReason): AuthOutcome => ({ ok: false, reason });
const normalizeFp = (fp: string) => fp.replace(/:/g, "").toLowerCase();

export function createAuth({
  registry,
  now = Date.now,
  anonymousScopes = () => ALL_ACCESS_SCOPES,
  person,
  people,
  trust,
  bridgeScopes,
}: AuthDeps): Auth {
  /** validity shared by token and cert checks; null when usable */
  function unusable(r: ClientRecord, t: number, kind: "token" | "certificate"): AuthFailureReason | null {
    if (r.status !== "active") return "key revoked";
    if (r.domainStatus !== "enabled") return "domain disabled";
    if (r.disabled) return "key disabled";
    if (t < r.notBefore) return kind === "token" ? "token not yet valid" : "certificate not yet valid";
    if (t >= r.notAfter) return kind === "token" ? "token expired" : "certificate expired";
    return null;
  }

  function guarded(what: string, fn: () => AuthOutcome): AuthOutcome {
    try {
      return fn();
    } catch (e) {
      log.error(`${what}: registry lookup failed`, e);
      return fail("registry unavailable");
    }
  }

  const tokens = createTokenCache(() => registry.dataVersion());

  const auth: Auth = {
    identify: (c) => identify(c),
    current: (ref) => current(ref),
    verifyToken(token) {
      if (typeof token !== "string" || token.trim() === "") return fail("missing token");
      return guarded("token", () => {
        const t = now();
        const hit = tokens.get(token, t);
        if (hit) return hit;
        const id = tokenClientId(token);
        const presented = registry.hashToken(token);
        const cred = id === null ? null : registry.credentials(id);
        // compare even when the id is unknown, so timing says nothing about which ids exist
        const match = sameBytes(presented, cred?.tokenHash ?? DUMMY_HASH) && cred !== null;
        if (!match || !cred) return fail("invalid token");
        const why = unusable(cred.record, t, "token");
        if (why) return fail(why);
        const ok = {
          ok: true as const,
          clientId: cred.record.id,
          expiresAt: cred.record.notAfter,
          fingerprint256: cred.record.certFingerprint,
          scopes: cred.record.scopes,
          domainId: cred.record.domainId,
        };
        tokens.set(token, ok, cred.record.notBefore);
        return ok;
      });
    },

    verifyCert(cert) {
      return guarded("certificate", () => {
        const fp = normalizeFp(cert.fingerprint256);
        // signed by a CA the operator trusts: its CRL and its naming rule and policy decide
        const t = trust?.();
        const info = cert.der && t && t.cas.length > 0 ? t.inspect(cert.der, fp) : undefined;
        if (info) {
          const c = trustedClient(registry, info, fp);
          if (c === "unknown certificate") keepPending(registry, info, fp, cert.address);
          if (typeof c === "string") return fail(c);
          const why = unusable(c.record, now(), "certificate");
          if (why) return fail(why);
          const r = c.record;
          return {
            ok: true,
            clientId: r.id,
            expiresAt: r.notAfter,
            fingerprint256: r.certFingerprint,
            scopes: r.scopes,
            // the client's SuperMQ domain, as for a certificate of neo's own CA
            domainId: r.domainId,
            trusted: { ca: info.ca.name, serial: info.serial },
          };
        }
        const r = registry.get(cert.cn);
        // a fingerprint that is not the CN's current one: another client's, rotated away, or deleted and
        // re-created; or the one an EST renewal replaced, still in its grace period (its own generation)
        const grace = r && r.certFingerprint !== fp ? registry.enrollments.grace(fp) : null;
        const inGrace = grace !== null && grace.clientId === r?.id && now() < grace.until;
        if (!r || (r.certFingerprint !== fp && !inGrace)) return fail("unknown certificate");
        const why = unusable(r, now(), "certificate");
        if (why) return fail(why);
        const { id: clientId, certFingerprint, scopes, domainId } = r;
        const expiresAt = inGrace ? Math.min(grace.until, r.notAfter) : r.notAfter;
        return { ok: true, clientId, expiresAt, fingerprint256: inGrace ? fp : certFingerprint, scopes, domainId };
      });
    },

    markUsed(clientId) {
      try {
        registry.touch(clientId);
      } catch (e) {
        // a full disk: reads go on, the last-use time waits for space
        if (!warnIfDiskFull(log, "recording the last use of keys", e))
          log.error(`recording last use of ${clientId} failed`, e);
      }
    },
  };
  const identify = createIdentify({
    verifyToken: (t) => auth.verifyToken(t),
    verifyCert: (c) => auth.verifyCert(c),
    verifyEnrollment: (s) => {
      try {
        const e = registry.enrollments.check(s, now());
        return typeof e === "string" ? { ok: false, expired: e === "expired" } : { ok: true, ...e };
      } catch (err) {
        log.error("enrollment: registry lookup failed", err);
        return { ok: false, expired: false };
      }
    },
    anonymousScopes,
    ...(person ? { person } : {}),
  });
  const current = createCurrent({
    registry,
    anonymousScopes,
    now,
    ...(trust ? { trust } : {}),
    ...(people ? { people } : {}),
    ...(bridgeScopes ? { bridgeScopes } : {}),
  });
  return auth;
}
