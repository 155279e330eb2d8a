// auth: who is this (identify: every credential form), is it still (current: the live re-check)
// and may they do this (authorize: scopes).
export { createAuth } from "./authenticate.ts";
export { shareKey } from "./share-key.ts";
export {
  authorize,
  makePrincipal,
  type Decision,
  type Principal,
} from "./authorize.ts";
export {
  ALL_ACCESS_SCOPES,
  type Operation,
} from "../lib/scopes.ts";
export { dropEntityFacts, installEntityFacts } from "./entity-facts.ts";
export { knowsAll, seesDomain } from "./domain-view.ts";
export { createIdentify, type Credentials } from "./identify.ts";
export {
  formOf,
  principalName,
  refusal,
  bearerKind,
  type CredentialRef,
  type Identified,
  type Identity,
  type PresentedForm,
  type Refusal,
  type RefusalKind,
} from "./credential.ts";
export type { Current } from "./current.ts";
export type { Auth } from "./types.ts";
export { createGuard, type Ban, type Guard } from "./guard.ts";
export {
  SESSION_TTL_MS,
  createPeople,
  personIdentify,
  type People,
} from "./people.ts";
export { createPatAuth, type PatAuth } from "./pats.ts";
export { parsePatScopes, type PatScope } from "./pat-scopes.ts";
// the records of people and their credentials, for the HTTP routes that manage them
// (identity knowledge comes from auth: http never imports the registry)
export type { Pats, UserRecord, Users } from "../registry/index.ts";
export { parseTtl, patJson } from "../registry/index.ts";
export type { ClientProfile, Domain, DomainInput, Domains, DomainState } from "../registry/index.ts";
export { domainJson, groupJson } from "../registry/index.ts";
export type { Dashboard, Dashboards } from "../registry/index.ts";
export { shownTo } from "../registry/index.ts";
export type { Group, GroupInput, GroupStatus } from "../registry/index.ts";
export type {
  DomainMember,
  DomainMembers,
  Invitation,
  InvitationFilter,
  InvitationState,
  Invitations,
} from "../registry/index.ts";
export { INVITATION_STATES } from "../registry/index.ts";
