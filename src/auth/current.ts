// current(ref): the ONE live re-check. "Is the credential behind this principal still
// usable, and with which rights now?" with one rule for every kind: status, validity
// window, rotation (generation), owner alive, role and scopes as stored now. Every live
// thing asks it: MQTT sessions of every kind (token, certificate, PAT, the console's
// web session), channel rights and sockets, bridge principals ({kind:"bridge"}: the
// block's Scopes in the current settings). It only reads: it never
// extends a web session (only a request the user makes does that).
import { createLogger } from "../lib/log.ts";
import type { TrustedCas } from "../pki/index.ts";
import type { Pats, Registry, UserKeys, Users } from "../registry/index.ts";
import { type CredentialRef, type Identified, type RefusalKind, userPrincipalId } from "./credential.ts";
import { parsed } from "./identify.ts";
import { patScopes } from "./pat-scopes.ts";
import { type RolesOf, userPrincipal } from "./people.ts";

const log = createLogger("auth");

export type Current = { ok: true; principal: Identified } | { ok: false; kind: RefusalKind; reason: string };

export interface CurrentDeps {
  registry: Pick<Registry, "get"> & Partial<Pick<Registry, "enrollments">>;
  /** Auth.AnonymousScopes, read per call (a reload may change them) */
  anonymousScopes(listener?: string): readonly string[];
  /** people's stores; without them a PAT, access key or session is never current */
  people?: {
    users: Pick<Users, "getById">;
    keys: Pick<UserKeys, "get">;
    pats: Pick<Pats, "getAny" | "scopes">;
    /** users' domain roles now (a removed member loses its rights in that domain) */
    rolesOf?: RolesOf;
  };
  /** a `Bridge "name"` block's scopes in the current settings (undefined: no such bridge now) */
  bridgeScopes?(name: string): readonly string[] | undefined;
  /** the trusted company CAs: a certificate of one is dead once its CRL lists it */
  trust?: () => Pick<TrustedCas, "revoked"> | undefined;
  now?: () => number;
}

const gone = (kind: RefusalKind, reason: string): Current => ({ ok: false, kind, reason });

export function createCurrent(deps: CurrentDeps): (ref: CredentialRef) => Current {
  const now = deps.now ?? Date.now;

  function client(ref: Extract<CredentialRef, { kind: "client" }>, t: number): Current {
    const r = deps.registry.get(ref.id);
    if (!r) return gone("revoked", "key deleted");
    if (r.status !== "active") return gone("revoked", "key revoked");
    if (r.domainStatus !== "enabled") return gone("revoked", `its domain is ${r.domainStatus}`);
    if (r.disabled) return gone("revoked", "key disabled");
    // a company CA's certificate: its CRL as last read (a reloaded CrlFile is a change signal)
    if (ref.trusted && deps.trust?.()?.revoked(ref.trusted.ca, ref.trusted.serial))
      return gone("revoked", `certificate revoked by its CA (Tls.TrustedCA "${ref.trusted.ca}")`);
    // a certificate an EST renewal replaced works on until its grace period ends
    const grace =
      r.certFingerprint === ref.generation ? null : (deps.registry.enrollments?.grace(ref.generation) ?? null);
    if (r.certFingerprint !== ref.generation && (grace?.clientId !== r.id || t >= (grace?.until ?? 0)))
      return gone("revoked", "key rotated");
    if (t < r.notBefore) return gone("not_yet_valid", "key not yet valid");
    if (t >= r.notAfter) return gone("expired", "key expired");
    const expiresAt = grace ? Math.min(grace.until, r.notAfter) : r.notAfter;
    const principal = { id: r.id, kind: "client" as const, scopes: parsed(r.scopes), ref, expiresAt };
    return { ok: true, principal: { ...principal, domain: r.domainId } };
  }

  function pat(ref: Extract<CredentialRef, { kind: "pat" }>, t: number): Current {
    const people = deps.people;
    const p = people?.pats.getAny(ref.id);
    if (!people || !p) return gone("revoked", "PAT deleted");
    if (p.revoked) return gone("revoked", "PAT revoked");
    if (p.expiresAt !== null && t >= p.expiresAt) return gone("expired", "PAT expired");
    // reset, or any change to it (scopes, name): the session ends, as it always did
    if (p.updatedAt !== ref.generation) return gone("revoked", "PAT reset or changed");
    const owner = people.users.getById(p.userId);
    if (!owner) return gone("revoked", "the PAT's owner was deleted");
    const scopes = patScopes(people.pats.scopes(p.id));
    return {
      ok: true,
      principal: {
        id: userPrincipalId(owner.name),
        kind: "user",
        scopes,
        within: userPrincipal(owner, people.rolesOf),
        ref,
        expiresAt: p.expiresAt ?? Number.POSITIVE_INFINITY,
      },
    };
  }

  function userKey(ref: Extract<CredentialRef, { kind: "user" | "session" }>, t: number): Current {
    const people = deps.people;
    const k = people?.keys.get(ref.key);
    if (!people || !k || k.revokedAt !== null) return gone("revoked", "signed out or key revoked");
    if (t >= k.expiresAt) return gone("expired", ref.kind === "session" ? "session expired" : "key expired");
    const u = people.users.getById(k.userId);
    // a deleted user, or a password change since the key was issued
    if (!u || u.updatedAt !== k.stamp) return gone("revoked", "the user's keys were ended");
    return { ok: true, principal: { ...userPrincipal(u, people.rolesOf), ref, expiresAt: k.expiresAt } };
  }

  return (ref) => {
    try {
      const t = now();
      switch (ref.kind) {
        case "client":
          return client(ref, t);
        case "pat":
          return pat(ref, t);
        case "user":
        case "session":
          return userKey(ref, t);
        case "anonymous":
          return {
            ok: true,
            principal: {
              id: ref.id,
              kind: "anonymous",
              scopes: parsed(deps.anonymousScopes(ref.listener)),
              ref,
              expiresAt: Number.POSITIVE_INFINITY,
            },
          };
        case "bridge": {
          // read from the current settings: a removed bridge or changed Scopes is seen at once
          const scopes = deps.bridgeScopes?.(ref.name);
          if (scopes === undefined) return gone("revoked", `bridge ${ref.name} removed`);
          return {
            ok: true,
            principal: {
              id: `bridge:${ref.name}`,
              kind: "client",
              scopes: parsed(scopes),
              ref,
              expiresAt: Number.POSITIVE_INFINITY,
            },
          };
        }
        case "enrollment": {
          const e = deps.registry.enrollments?.open(ref.id, t);
          if (!e) return gone("revoked", "enrollment used or expired");
          return {
            ok: true,
            principal: { id: ref.id, kind: "client", scopes: parsed([]), ref, expiresAt: e.expiresAt },
          };
        }
      }
    } catch (e) {
      // a registry that cannot be read, or stored scopes that do not parse: nothing is allowed
      log.error(`re-check of a ${ref.kind} credential failed`, e);
      return gone("unavailable", "re-check failed");
    }
  };
}
