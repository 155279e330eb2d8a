// auth: who is this (identify: token, client certificate) and may they do this (authorize: scopes).
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
export {
  createIdentify,
  parsed as parseScopesCached,
  type Credentials,
  type Identified,
  type Identity,
  type IdentifyFailure,
} from "./identify.ts";
export type { Auth, AuthFailureReason, AuthOutcome, LiveSession, SessionWatch } from "./types.ts";
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
