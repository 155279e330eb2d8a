// What the gRPC adapter needs from the gateway. App builds these from the one identity
// step, the one decision point, the query service, the write batcher and the audit trail:
// the adapter asks them and decides nothing itself.
import type { Credentials, Identified, Identity, Principal } from "../auth/index.ts";
import type { Row } from "../ingest/index.ts";
import type { Logger } from "../lib/log.ts";
import type { QueryAnswer, QueryRefusal, QueryRequest } from "../query/index.ts";
import type { AuditEvent } from "../registry/index.ts";

/** key management as mgmt.Management offers it (the same handlers as /keys) */
export interface KeyOps {
  /** every key; unix seconds */
  list(): { id: string; notBefore: number; notAfter: number }[];
  create(
    req: { id: string; type: string; notBefore?: Date; notAfter?: Date },
    actor: string,
  ): Promise<{ ok: true; certificate: string; key: string; token: string } | { ok: false; reason: string }>;
  remove(id: string, actor: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** the gateway CA certificate clients verify the server with (PEM) */
  serverCert(): string;
}

interface ServerFacts {
  version: { major: number; minor: number; patch: number; gitSHA: string; buildTimestamp: string };
  startedAt: number;
  /** every listener: service name -> "proto://host:port" */
  ports(): { service: string; address: string }[];
}

/** a live handle whose credential went, and why (current()'s reason) */
export interface Gone<T> {
  entry: T;
  reason: string;
}

export interface GrpcDeps {
  /** the one identity step */
  identify(c: Credentials): Identity;
  /** the one live re-check of a principal's credential: usable now, and with which rights */
  current(p: Identified): { ok: true; principal: Identified } | { ok: false; reason: string };
  /** of these principals, the ones whose credential is no longer usable (deleted, revoked, rotated,
   * expired), each with current()'s reason */
  revoked<T extends { principal: Identified }>(live: readonly T[]): Gone<T>[];
  /** the table finder of /db/query; `decide` answers for each table it reads (authorize(tables:read)) */
  readCheck(
    p: Principal,
    sql: string,
    decide: (table: string, domain?: string) => { allow: boolean; reason?: string },
  ): QueryRefusal | undefined;
  /** the query process pool of /db/query (limits, timeouts, each principal's fair share) */
  runQuery(req: QueryRequest, who: { principal: Principal; address: string }): Promise<QueryAnswer>;
  /** rows into `table` through the write batcher: resolves once committed (and fsynced with Storage.Sync full) */
  write(table: string, rows: Row[]): Promise<number>;
  keys: KeyOps;
  /** a user's password (the one password check: guard, slow-down, audit); absent = UserAuth says no */
  userAuth?(name: string, password: string, address: string): Promise<boolean>;
  audit: { record(e: AuditEvent): void };
  /**
   * the brute-force guard: may this address try; `failed` counts a guess (a wrong token),
   * `refused` a refusal that guessed nothing (no credential, a revoked key's certificate)
   */
  guard: { check(address: string): { ok: boolean }; failed(address: string): void; refused(address: string): void };
  metrics?: { call(method: string, code: string): void };
  server: ServerFacts;
  log: Logger;
}

/** the caller of one RPC, as identify() answered */
export interface Caller {
  principal: Identified;
  address: string;
  /** "grpcs" over TLS, "grpc" over plain TCP (the audit trail's listener name) */
  listener: string;
}
