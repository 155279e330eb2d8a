// SuperMQ's client fields on a neo key (a SuperMQ client IS a key): name, tags, metadata,
// the reversible disable, updated_at; the key itself (token, certificate, scopes, domain)
// stays in clients.ts. Same table, own connection (its commits move the registry's
// data_version, so a disable reaches live sessions through current() within a second).
import type { Database } from "bun:sqlite";
import { notFound } from "../lib/errors.ts";
import { noteLocalWrite, openRegistryDb } from "./db.ts";

export interface ClientProfile {
  id: string;
  domainId: string;
  name: string;
  tags: string[];
  metadata: Record<string, unknown>;
  disabled: boolean;
  createdAt: number;
  updatedAt: number | null;
}

export interface ClientProfiles {
  get(id: string): ClientProfile | null;
  list(domainId: string): ClientProfile[];
  set(id: string, p: { name?: string; tags?: string[]; metadata?: Record<string, unknown> }): ClientProfile;
  setDisabled(id: string, disabled: boolean): ClientProfile;
  close(): void;
}

interface Row {
  id: string;
  domain_id: string;
  name: string;
  tags: string;
  metadata: string;
  disabled: number | bigint;
  created_at: number | bigint | null;
  updated_at: number | bigint | null;
}

const toProfile = (r: Row): ClientProfile => ({
  id: r.id,
  domainId: r.domain_id,
  name: r.name,
  tags: JSON.parse(r.tags) as string[],
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  disabled: Number(r.disabled) !== 0,
  createdAt: Number(r.created_at ?? 0),
  updatedAt: r.updated_at === null ? null : Number(r.updated_at),
});

const COLS = "id, domain_id, name, tags, metadata, disabled, created_at, updated_at";

export function openClientProfiles(dataDir: string): ClientProfiles {
  const db: Database = openRegistryDb(dataDir);
  const q = {
    get: db.prepare<Row, [string]>(`SELECT ${COLS} FROM clients WHERE id = ?`),
    list: db.prepare<Row, [string]>(`SELECT ${COLS} FROM clients WHERE domain_id = ? ORDER BY created_at, id`),
  };
  const mustGet = (id: string) => {
    const r = q.get.get(id);
    if (!r) throw notFound("client_not_found", `client ${JSON.stringify(id)} not found`);
    return toProfile(r);
  };
  return {
    get: (id) => {
      const r = q.get.get(id);
      return r ? toProfile(r) : null;
    },
    list: (domainId) => q.list.all(domainId).map(toProfile),
    set(id, p) {
      const cur = mustGet(id);
      db.prepare("UPDATE clients SET name = ?, tags = ?, metadata = ?, updated_at = ? WHERE id = ?").run(
        p.name ?? cur.name,
        JSON.stringify(p.tags ?? cur.tags),
        JSON.stringify(p.metadata ?? cur.metadata),
        Date.now(),
        id,
      );
      noteLocalWrite();
      return mustGet(id);
    },
    setDisabled(id, disabled) {
      mustGet(id);
      db.prepare("UPDATE clients SET disabled = ?, updated_at = ? WHERE id = ?").run(disabled ? 1 : 0, Date.now(), id);
      noteLocalWrite(); // a disabled key is refused at once, even a cached token
      return mustGet(id);
    },
    close: () => db.close(),
  };
}
