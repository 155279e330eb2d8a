// auth: who is this (identify: every credential form), is it still (current: the live re-check)
// and may they do this (authorize: scopes).
export { createAuth, type AuthDeps } from "./authenticate.ts";
export { shareKey } from "./share-key.ts";
export {
  authorize,
  makePrincipal,
  type Decision,
  type Principal,
} from "./authorize.ts";
export {
  ALL_ACCESS_SCOPES,
  parseScope,
  parseScopes,
  scopeProblem,
  summarizeScopes,
  SCOPE_TYPES,
  type Operation,
  type Scope,
  type ScopeType,
} from "../lib/scopes.ts";
export { createIdentify, parsed as parseScopesCached, type Credentials } from "./identify.ts";
export {
  formOf,
  principalName,
  refusal,
  userPrincipalId,
  type CredentialKind,
  type CredentialRef,
  type Identified,
  type Identity,
  type PresentedForm,
  type Refusal,
  type RefusalKind,
} from "./credential.ts";
export { createCurrent, type Current } from "./current.ts";
export type { Auth, AuthFailureReason, AuthOutcome } from "./types.ts";
export { createGuard, type Ban, type Guard, type GuardCheck, type GuardOptions } from "./guard.ts";
export {
  ADMIN_SCOPES,
  SESSION_TTL_MS,
  createPeople,
  personIdentify,
  userPrincipal,
  type LoginKeys,
  type People,
  type UserIdentity,
} from "./people.ts";
export { createPatAuth, type PatAuth } from "./pats.ts";
export { neoScopesOf, PAT_ENTITY_TYPES, parsePatScopes, type PatScope } from "./pat-scopes.ts";
// the records of people and their credentials, for the HTTP routes that manage them
// (identity knowledge comes from auth: http never imports the registry)
export type { PatRecord, Pats, UserRecord, Users } from "../registry/index.ts";
export { parseTtl, patJson } from "../registry/index.ts";
export type { DomainInput, Domains, DomainState } from "../registry/index.ts";
export { domainJson } from "../registry/index.ts";
