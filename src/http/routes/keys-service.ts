// Key management: list, generate and rotate (cert + key + token shown once, plus a zip),
// delete and revoke. The routes in keys.ts (/keys for any API credential, /web/api/keys for
// the console) call these once the runner's authorize() said yes.
import { badRequest, conflict, notFound } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { type KeyType, type Pki, signForClient } from "../../pki/index.ts";
import { parseScopes } from "../../lib/scopes.ts";
import { ok } from "../../lib/http/respond.ts";
import { createZip } from "../../lib/zip.ts";
import type { KeyView } from "./console-views.ts";

/** a key as the registry lists it (app hands the real registry) */
interface KeyRecord {
  id: string;
  notBefore: number;
  notAfter: number;
  status: "active" | "revoked";
  lastUsedAt: number | null;
  scopes: string[];
}

export interface CreatedKey {
  record: KeyRecord;
  certPem: string;
  keyPem: string;
  token: string;
}

type Validity = { keyType?: KeyType; notBefore?: Date; notAfter?: Date };

/** what key management needs of the registry */
export interface KeyRegistry {
  list(): KeyRecord[];
  get(id: string): KeyRecord | null;
  create(o: {
    id: string;
    keyType: KeyType;
    notBefore: Date;
    notAfter: Date;
    pki: Pick<Pki, "issueClientCert">;
    scopes: string[];
  }): Promise<CreatedKey>;
  /** a certificate signed from a device's request becomes the client's current one */
  importCert(id: string, cert: { fingerprint256: string; serial: string }): unknown;
  delete(id: string): void | Promise<void>;
  revoke(id: string): unknown;
  rotate(id: string, pki: Pki, o?: Validity): Promise<CreatedKey>;
}

/** a key id: lowercase letters, digits, _ . @ - (the registry's rule) */
const CLIENT_ID_RE = /^[a-z0-9][a-z0-9_.@-]{0,63}$/;

const MAX_TIME = Date.UTC(9999, 11, 31);
/** within this long of its expiry an active key is "expiring" (neo shell key list --expiring 30d) */
const EXPIRING_MS = 30 * 86_400_000;

export interface KeysServiceDeps {
  registry: KeyRegistry;
  pki: Pki;
  log: Logger;
  now: () => number;
  defaultScopes: () => readonly string[];
}

function keyView(r: KeyRecord, idx: number, now: number): KeyView {
  let status: KeyView["status"] = r.status;
  if (status === "active" && r.notAfter <= now) status = "expired";
  else if (status === "active" && r.notBefore > now) status = "pending";
  return {
    idx,
    id: r.id,
    notBefore: r.notBefore,
    notAfter: r.notAfter,
    status,
    ...(status === "active" && r.notAfter - now <= EXPIRING_MS ? { expiring: true } : {}),
    lastUsed: r.lastUsedAt ?? null,
    scopes: r.scopes,
  };
}

/** A date: ISO 8601 string, epoch milliseconds, or (below 1e11) epoch seconds. */
function parseTime(v: unknown, field: string): Date | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  let d: Date | undefined;
  if (typeof v === "number" && Number.isFinite(v)) d = new Date(Math.abs(v) < 1e11 ? v * 1000 : v);
  else if (typeof v === "string") d = new Date(v);
  if (!d || Number.isNaN(d.getTime()) || d.getTime() < 0 || d.getTime() > MAX_TIME) {
    throw badRequest("invalid_time", `${field} must be an ISO 8601 date or epoch milliseconds`);
  }
  return d;
}

function addYears(d: Date, years: number): Date {
  const r = new Date(d.getTime());
  r.setUTCFullYear(r.getUTCFullYear() + years);
  return r;
}

/** optional `scopes: ["topics:publish:devices/%c/#", ...]`; a bad one is a 400 naming it */
function parseScopeField(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string"))
    throw badRequest("invalid_scope", 'scopes must be a list of strings like "tables:read:TAG"');
  return parseScopes(v).map((s) => s.text);
}

const find = (registry: KeyRegistry, id: string) => registry.list().find((r) => r.id === id);

export function createKeysService(deps: KeysServiceDeps) {
  const { registry, pki, log } = deps;

  /** the secrets, shown this once: PEMs, token and a zip of the files `neo shell key gen` writes */
  function issued(started: number, c: CreatedKey, status: number): Response {
    const id = c.record.id;
    const zip = createZip([
      { name: "server.pem", data: pki.caCertPem },
      { name: `${id}_cert.pem`, data: c.certPem },
      { name: `${id}_key.pem`, data: c.keyPem },
      { name: `${id}_token`, data: c.token },
    ]);
    const idx = registry.list().findIndex((r) => r.id === id) + 1;
    return ok(
      started,
      {
        serverKey: pki.caCertPem,
        certificate: c.certPem,
        privateKey: c.keyPem,
        token: c.token,
        zip: Buffer.from(zip).toString("base64"),
        data: keyView(c.record, idx, deps.now()),
      },
      status,
    );
  }

  return {
    list(started: number, visible: (id: string) => boolean = () => true): Response {
      const now = deps.now();
      const data = registry
        .list()
        .map((r, i) => keyView(r, i + 1, now))
        .filter((k) => visible(k.id));
      return ok(started, { data });
    },

    async create(started: number, body: Record<string, unknown>, user: string): Promise<Response> {
      const id = body.name ?? body.id;
      if (typeof id !== "string" || !CLIENT_ID_RE.test(id)) {
        throw badRequest(
          "invalid_client_id",
          "client id must be 1-64 characters of a-z 0-9 _ . @ - and start with a letter or digit",
        );
      }
      const type = body.type ?? "ec";
      if (type !== "ec" && type !== "rsa") throw badRequest("invalid_key_type", 'type must be "ec" or "rsa"');
      const notBefore = parseTime(body.notBefore, "notBefore") ?? new Date(deps.now());
      const notAfter = parseTime(body.notAfter, "notAfter") ?? addYears(notBefore, 3);
      if (notAfter.getTime() <= notBefore.getTime()) {
        throw badRequest("invalid_validity", "notAfter must be later than notBefore");
      }
      const scopes = parseScopeField(body.scopes) ?? parseScopes(deps.defaultScopes()).map((s) => s.text);
      if (find(registry, id)) throw conflict("client_exists", `client id ${id} already exists`);

      const created = await registry.create({ id, keyType: type as KeyType, notBefore, notAfter, pki, scopes });
      log.info(`web: ${user} generated key ${id} (${type}, until ${notAfter.toISOString()})`);
      return issued(started, created, 201);
    },

    /**
     * New certificate, private key and token; the old ones stop working at once. A key
     * rotating itself (`self`) keeps at most its current expiry: a credential never extends
     * itself (an operator may set any lifetime).
     */
    async rotate(
      started: number,
      id: string,
      body: Record<string, unknown>,
      user: string,
      opts: { self?: boolean } = {},
    ): Promise<Response> {
      const cur = find(registry, id);
      if (!cur) throw notFound("client_not_found", `client id ${id} not found`);
      const type = body.type;
      if (type !== undefined && type !== "ec" && type !== "rsa")
        throw badRequest("invalid_key_type", 'type must be "ec" or "rsa"');
      const notBefore = parseTime(body.notBefore, "notBefore");
      let notAfter = parseTime(body.notAfter, "notAfter");
      if (opts.self && (notAfter === undefined || notAfter.getTime() > cur.notAfter)) notAfter = new Date(cur.notAfter);
      if (notAfter && notAfter.getTime() <= (notBefore ?? new Date(deps.now())).getTime()) {
        throw badRequest("invalid_validity", "notAfter must be later than notBefore");
      }
      const rotated = await registry.rotate(id, pki, {
        ...(type ? { keyType: type as KeyType } : {}),
        ...(notBefore ? { notBefore } : {}),
        ...(notAfter ? { notAfter } : {}),
      });
      log.info(`web: ${user} rotated key ${id}`);
      return issued(started, rotated, 200);
    },

    /**
     * Sign a device's PKCS#10 request (PEM, or base64 DER) for `id`, as `neo shell key sign`
     * does: an existing key keeps its token and scopes, a new one gets `scopes` (default
     * Auth.DefaultScopes) and a token shown once. Body {csr, days?, notAfter?, scopes?}.
     */
    async sign(started: number, id: string, body: Record<string, unknown>, user: string): Promise<Response> {
      if (!CLIENT_ID_RE.test(id)) throw badRequest("invalid_client_id", `client id ${id} is not valid`);
      if (typeof body.csr !== "string" || body.csr.trim() === "")
        throw badRequest("invalid_csr", 'give the certificate request (PEM) in "csr"');
      const notBefore = new Date(deps.now());
      const days = body.days ?? 1095;
      if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 36_500)
        throw badRequest("invalid_validity", "days must be a whole number from 1 to 36500");
      const notAfter = parseTime(body.notAfter, "notAfter") ?? new Date(notBefore.getTime() + days * 86_400_000);
      if (notAfter.getTime() <= notBefore.getTime())
        throw badRequest("invalid_validity", "notAfter must be later than now");
      const scopes = parseScopeField(body.scopes) ?? parseScopes(deps.defaultScopes()).map((s) => s.text);
      const s = await signForClient(pki, registry, { id, csr: body.csr.trim(), notBefore, notAfter, scopes });
      log.info(`web: ${user} signed a certificate request for ${id} (serial ${s.serial})`);
      return ok(
        started,
        { id, certPem: s.certPem, ...(s.token ? { token: s.token } : {}), notAfter: notAfter.getTime() },
        s.token ? 201 : 200,
      );
    },

    async remove(started: number, id: string, user: string): Promise<Response> {
      if (!find(registry, id)) throw notFound("client_not_found", `client id ${id} not found`);
      await registry.delete(id);
      log.info(`web: ${user} deleted key ${id}`);
      return ok(started);
    },

    async revoke(started: number, id: string, user: string): Promise<Response> {
      const rec = find(registry, id);
      if (!rec) throw notFound("client_not_found", `client id ${id} not found`);
      if (rec.status !== "revoked") {
        await registry.revoke(id);
        log.info(`web: ${user} revoked key ${id}`);
      }
      return ok(started);
    },

    serverCert(): Response {
      return new Response(pki.caCertPem, {
        headers: {
          "content-type": "application/x-pem-file",
          "content-disposition": 'attachment; filename="server.pem"',
          "cache-control": "no-cache",
        },
      });
    },
  };
}
