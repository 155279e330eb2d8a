// registry: clients with their certificates and hashed tokens, in <data>/registry.db.
export { openRegistry } from "./clients.ts";
export { openBanStore } from "./bans.ts";
export { auditJson, parseAuditFilter } from "./audit-filter.ts";
export { openAuditLog } from "./audit.ts";
export type {
  AuditEvent,
  AuditLog,
} from "./audit-types.ts";
export { assertClientId, tokenClientId, tokenOf } from "./token.ts";
export type {
  ClientCredentials,
  ClientRecord,
  IssuedClient,
  KeyType,
  Registry,
} from "./types.ts";
export { openChannels, type ChannelOperation, type Channels } from "./channels.ts";
export {
  assertChannelId,
  channelsJson,
  defaultChannelTable,
  type Channel,
  type ChannelConnection,
} from "./channel-rows.ts";
export {
  ADMIN_PASSWORD_FILE,
  ADMIN_USER,
  generatePassword,
  openUsers,
  validatePassword,
  type Role,
  type UserRecord,
  type Users,
} from "./users.ts";
export { openUserKeys, type UserKeyInfo, type UserKeys } from "./user-keys.ts";
export { openPats, type Pats } from "./pats.ts";
export { parseTtl, patJson } from "./pat-json.ts";
export {
  domainJson,
  openDomains,
  type Domain,
  type DomainInput,
  type Domains,
  type DomainState,
} from "./domains.ts";
export {
  openMembership,
  type DomainMember,
  type DomainMembers,
  type Membership,
} from "./domain-members.ts";
export {
  INVITATION_STATES,
  type Invitation,
  type InvitationFilter,
  type InvitationState,
  type Invitations,
} from "./invitations.ts";
export { openClientProfiles, type ClientProfile, type ClientProfiles } from "./client-profiles.ts";
export { isEnrollmentSecret } from "./enrollments.ts";
export {
  openDashboards,
  shownTo,
  type Dashboard,
  type Dashboards,
} from "./dashboards.ts";
export {
  groupJson,
  openGroups,
  type Group,
  type GroupInput,
  type Groups,
  type GroupStatus,
} from "./groups.ts";
export { pendingJson } from "./pending-certs.ts";
