// SuperMQ's clients under a domain (clients/api/http/transport.go): a SuperMQ client IS a
// neo key living in that domain (token + certificate, `neo shell key list` shows it).
//   POST   /<domain>/clients {"name","tags","metadata","status"}   201 + client (the secret once)
//   GET    /<domain>/clients                                       {total,offset,limit,clients}
//   GET    /<domain>/clients/<id>                                  200
//   PATCH  /<domain>/clients/<id> {"name","metadata"}, .../tags {"tags"}   200
//   PATCH  /<domain>/clients/<id>/secret                          200 + client with a new secret
//   POST   /<domain>/clients/<id>/certificate                     201 + a new certificate (neo's)
// A client made or re-keyed here answers its certificate (PEM, with its private key) beside
// the secret, once: neo stores only the fingerprint; GET shows its serial and expiry.
//   POST   /<domain>/clients/<id>/enable|disable                   200 + client
//   DELETE /<domain>/clients/<id>                                  204
// <domain> is the domain's id (or route). The decision is authorize() with the domain as
// its `domain`: keys:create:* (PAT clients create), keys:list:<id> (read/list),
// keys:rotate:<id> (update, secret, certificate), keys:revoke:<id> (enable/disable), keys:delete:<id>.
import { badRequest, conflict } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import type { ClientProfile } from "../../auth/index.ts";
import type { RouteContext, RouteSpec } from "../route.ts";
import { apiRoute, type DomainLookup, domainOf, fieldsOf, inDomain, page, statusOf } from "./domain-common.ts";
import { readJson } from "./domains.ts";

/** a certificate just issued (its private key exists only in this answer) */
interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  serial: string;
  notAfter: number;
}

export interface DomainClientStore extends DomainLookup {
  /** a new key in the domain (no scopes: rights come from channel connections); its token once */
  create(o: {
    id: string;
    domainId: string;
    name: string;
    tags: string[];
    metadata: Record<string, unknown>;
    disabled: boolean;
  }): Promise<{ token: string; cert: IssuedCertificate }>;
  list(domainId: string): ClientProfile[];
  get(id: string): ClientProfile | null;
  /** the group the client is a member of (SuperMQ's parent_group_id), or null */
  groupOf(id: string): string | null;
  /** the current certificate's serial and expiry (ms) */
  certificate(id: string): { serial: string; notAfter: number } | null;
  update(id: string, p: { name?: string; tags?: string[]; metadata?: Record<string, unknown> }): ClientProfile;
  setDisabled(id: string, disabled: boolean): ClientProfile;
  /** a new secret (and certificate): the old one is dead at once */
  rotate(id: string): Promise<{ token: string; cert: IssuedCertificate }>;
  /** a new certificate for the same key (the old one retired into the CRL); the token stays */
  issueCertificate(id: string): Promise<IssuedCertificate>;
  delete(id: string): void;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** SuperMQ's certs answer (certs/api: serial_number, certificate, key, expiry_time, entity_id) */
const certJson = (id: string, c: IssuedCertificate) => ({
  serial_number: c.serial,
  certificate: c.certPem,
  key: c.keyPem,
  expiry_time: iso(c.notAfter),
  entity_id: id,
  revoked: false,
});

const CODE = "invalid_client";

export function domainClientRoutes(store: DomainClientStore): RouteSpec[] {
  const clientJson = (p: ClientProfile, secret?: string, cert?: IssuedCertificate) => {
    const now = store.certificate(p.id);
    const group = store.groupOf(p.id);
    return {
      id: p.id,
      name: p.name,
      tags: p.tags,
      domain_id: p.domainId,
      credentials: { identity: p.id, ...(secret ? { secret } : {}) },
      metadata: p.metadata,
      ...(group ? { parent_group_id: group } : {}),
      status: p.disabled ? "disabled" : "enabled",
      created_at: iso(p.createdAt),
      ...(p.updatedAt !== null ? { updated_at: iso(p.updatedAt) } : {}),
      ...(cert
        ? { certificate: certJson(p.id, cert) }
        : now
          ? { certificate: { serial_number: now.serial, expiry_time: iso(now.notAfter), entity_id: p.id } }
          : {}),
    };
  };
  /** the path's client in the path's domain, after the caller's right `op` on it */
  const clientOf = (c: RouteContext, op: Parameters<RouteContext["need"]>[0], change: boolean) => {
    const d = domainOf(store, c, change);
    c.need(op, c.params.id ?? "", d);
    return inDomain(store.get(c.params.id ?? ""), d, "client", c.params.id ?? "");
  };
  const at = (path: string) => `/:domain/clients${path}`;
  const route = (method: RouteSpec["method"], path: string, change: string | undefined, h: RouteSpec["handler"]) =>
    apiRoute(method, at(path), change, h);
  const status = (op: "enable" | "disable") =>
    route("POST", `/:id/${op}`, `client.${op}`, (_, c) =>
      jsonResponse(clientJson(store.setDisabled(clientOf(c, "keys:revoke", true).id, op === "disable"))),
    );
  return [
    route("POST", "", "client.create", async (req, c) => {
      const d = domainOf(store, c, true);
      c.need("keys:create", "*", d);
      const b = await readJson(req);
      const f = fieldsOf(b, CODE);
      const status = statusOf(b.status, CODE);
      const cred = (b.credentials ?? {}) as Record<string, unknown>;
      if (cred.secret !== undefined)
        throw badRequest(CODE, "neo makes the secret itself (256 random bits): leave credentials.secret out");
      const id = typeof b.id === "string" ? b.id : crypto.randomUUID();
      if (store.get(id)) throw conflict("client_exists", `client ${id} already exists`);
      const { token, cert } = await store.create({
        id,
        domainId: d,
        name: f.name ?? "",
        tags: f.tags ?? [],
        metadata: f.metadata ?? {},
        disabled: status === "disabled",
      });
      c.changed = { target: id, detail: { domain: d } };
      return jsonResponse(clientJson(store.get(id)!, token, cert), 201);
    }),
    route("GET", "", undefined, (_, c) => {
      const d = domainOf(store, c, false);
      const mine = store.list(d).filter((p) => c.may("keys:list", p.id, d));
      if (mine.length === 0) c.need("keys:list", "*", d); // nothing visible: say why (403) unless allowed
      return jsonResponse(page(c, "clients", mine, (p) => clientJson(p)));
    }),
    route("GET", "/:id", undefined, (_, c) => jsonResponse(clientJson(clientOf(c, "keys:list", false)))),
    ...(["/:id", "/:id/tags"] as const).map((path) =>
      route("PATCH", path, "client.update", async (req, c) => {
        const p = clientOf(c, "keys:rotate", true);
        return jsonResponse(clientJson(store.update(p.id, fieldsOf(await readJson(req), CODE))));
      }),
    ),
    route("PATCH", "/:id/secret", "client.rotate", async (req, c) => {
      const p = clientOf(c, "keys:rotate", true);
      const b = req.headers.get("content-length") === "0" || !req.body ? {} : await readJson(req);
      if (b.secret !== undefined)
        throw badRequest(CODE, "neo makes the secret itself (256 random bits): send no secret");
      const { token, cert } = await store.rotate(p.id);
      return jsonResponse(clientJson(store.get(p.id)!, token, cert));
    }),
    route("POST", "/:id/certificate", "client.certificate", async (_, c) => {
      const p = clientOf(c, "keys:rotate", true);
      return jsonResponse(certJson(p.id, await store.issueCertificate(p.id)), 201);
    }),
    status("enable"),
    status("disable"),
    route("DELETE", "/:id", "client.delete", (_, c) => {
      store.delete(clientOf(c, "keys:delete", true).id);
      return new Response(null, { status: 204 });
    }),
  ];
}
