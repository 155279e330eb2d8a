// What the web API needs from the registry. This mirrors the registry module's public
// API (openRegistry(dataDir): Registry) structurally, so the real Registry plugs in
// without src/web depending on its internals.
import type { KeyType, Pki } from "../pki/index.ts";

export interface KeyRecord {
  id: string;
  /** ms since epoch */
  notBefore: number;
  /** ms since epoch */
  notAfter: number;
  status: "active" | "revoked";
  /** ms since epoch, null/undefined when never used */
  lastUsedAt?: number | null;
}

export interface CreatedKey {
  record: KeyRecord;
  certPem: string;
  keyPem: string;
  token: string;
}

export interface KeyRegistry {
  create(o: { id: string; keyType: KeyType; notBefore: Date; notAfter: Date; pki: Pki }): Promise<CreatedKey>;
  list(): readonly KeyRecord[];
  delete(id: string): unknown;
  revoke(id: string): unknown;
}
