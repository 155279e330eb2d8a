// registry: clients with their certificates and hashed tokens, in <data>/registry.db.
export { openRegistry } from "./clients.ts";
export { openBanStore, type BanRow, type BanStore } from "./bans.ts";
export { auditJson, parseAuditFilter } from "./audit-filter.ts";
export { type AggregateRule, refusedAuthentications } from "./audit-aggregate.ts";
export { openAuditLog } from "./audit.ts";
export type {
  AuditEvent,
  AuditFilter,
  AuditKind,
  AuditLog,
  AuditMethod,
  StoredAuditEvent,
} from "./audit-types.ts";
export { CLIENT_ID_RE, assertClientId, tokenClientId, tokenOf, tokenSecret } from "./token.ts";
export type {
  CertIssuer,
  ClientCredentials,
  ClientRecord,
  ClientStatus,
  CreateClientOptions,
  DomainStatus,
  IssuedClient,
  KeyType,
  Registry,
  RevocationCause,
  RevokedSerial,
  RotateOptions,
} from "./types.ts";
export {
  assertChannelId,
  channelScope,
  channelsJson,
  defaultChannelTable,
  openChannels,
  type Channel,
  type ChannelConnection,
  type ChannelOperation,
  type Channels,
  type CreateChannelOptions,
} from "./channels.ts";
export {
  ADMIN_PASSWORD_FILE,
  ADMIN_USER,
  ensureAdmin,
  generatePassword,
  openUsers,
  USER_NAME_RE,
  validatePassword,
  type Role,
  type UserRecord,
  type Users,
} from "./users.ts";
export { openUserKeys, type UserKeyCheck, type UserKeyInfo, type UserKeyKind, type UserKeys } from "./user-keys.ts";
export { openPats, type PatCheck, type PatRecord, type PatScope, type Pats } from "./pats.ts";
export { asUuid, parseTtl, patJson } from "./pat-json.ts";
export {
  domainJson,
  openDomains,
  type Domain,
  type DomainInput,
  type Domains,
  type DomainState,
} from "./domains.ts";
