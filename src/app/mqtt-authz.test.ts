import { describe, expect, test } from "bun:test";
import { type Current, type CredentialRef, makePrincipal } from "../auth/index.ts";
import { createLogger } from "../lib/log.ts";

import { createMqttAuthorizer } from "./mqtt-authz.ts";
import type { NeoClient, SessionCredential } from "./mqtt-auth.ts";

function setup(scopes: Record<string, string[]>, anonymous: string[] = ["topics:subscribe:#"]) {
  let reads = 0;
  const current = (ref: CredentialRef): Current => {
    if (ref.kind === "anonymous")
      return { ok: true, principal: { ...makePrincipal(ref.id, "anonymous", anonymous), ref, expiresAt: Infinity } };
    reads++;
    const id = ref.kind === "client" ? ref.id : "";
    const list = scopes[id];
    return list
      ? { ok: true, principal: { ...makePrincipal(id, "client", list), ref, expiresAt: Infinity } }
      : { ok: false, kind: "revoked", reason: "key deleted" };
  };
  const keyRef = (owner: string): CredentialRef => ({ kind: "client", id: owner, form: "token", generation: "" });
  const authz = createMqttAuthorizer({ current, keyRef, log: createLogger("test") });
  const client = (id: string, key?: string): NeoClient => {
    const ref: CredentialRef = key ? keyRef(key) : { kind: "anonymous", id };
    const principal = key
      ? { ...makePrincipal(key, "client", scopes[key]!), ref, expiresAt: Infinity }
      : { ...makePrincipal(id, "anonymous", anonymous), ref, expiresAt: Infinity };
    const meta: SessionCredential = { principal, epoch: 0, rights: null };
    return {
      id,
      protocolVersion: 5,
      peer: { transport: "tcp", remoteAddress: "" },
      meta,
      ...(key ? { identity: key } : {}),
    };
  };
  return { authz, client, reads: () => reads };
}

describe("MQTT authorization hooks", () => {
  test("publish needs the topic scope, and db/write|append also the table's write scope", () => {
    const { authz, client } = setup({ k: ["topics:publish:db/#", "tables:write:MINE"] });
    const c = client("k", "k");
    expect(authz.publish(c, "db/append/MINE")).toBe(true);
    expect(authz.publish(c, "db/write/mine:csv")).toBe(true);
    expect(authz.publish(c, "db/append/OTHER")).toBe(false);
    expect(authz.publish(c, "x/y")).toBe(false);
  });

  test("a partly allowed filter is accepted and each delivery is checked, offline sessions by their owner", () => {
    const { authz, client } = setup({ dev: ["topics:subscribe:devices/%c/#"] });
    const c = client("dev", "dev");
    expect(authz.subscribe(c, "#")).toBe(true);
    expect(authz.subscribe(c, "devices/other/#")).toBe(false);
    expect(authz.deliver({ clientId: "dev", owner: "dev", client: c }, "devices/dev/t")).toBe(true);
    expect(authz.deliver({ clientId: "dev", owner: "dev", client: c }, "devices/other/t")).toBe(false);
    expect(authz.deliver({ clientId: "dev", owner: "dev", client: null }, "devices/dev/t")).toBe(true);
    expect(authz.deliver({ clientId: "dev", owner: "dev", client: null }, "devices/x/t")).toBe(false);
  });

  test("decisions are cached until the registry changes, then re-read with the new scopes", () => {
    const scopes = { dev: ["topics:subscribe:a/#"] };
    const { authz, client, reads } = setup(scopes);
    const c = client("dev", "dev");
    const t = { clientId: "dev", owner: "dev", client: c };
    expect(authz.deliver(t, "a/1")).toBe(true);
    expect(authz.deliver(t, "a/1")).toBe(true);
    expect(reads()).toBe(0); // the credential's own principal, no lookup
    scopes.dev = ["topics:subscribe:b/#"];
    expect(authz.deliver(t, "a/1")).toBe(true); // cached: nothing said the registry changed
    authz.changed();
    expect(authz.deliver(t, "a/1")).toBe(false);
    expect(authz.deliver(t, "b/1")).toBe(true);
    expect(reads()).toBe(1);
  });

  test("anonymous clients use Auth.AnonymousScopes, with %c as their MQTT client id", () => {
    const { authz, client } = setup({}, ["topics:subscribe:devices/%c/#", "!topics:subscribe:devices/%c/secret"]);
    const c = client("anon-1");
    expect(authz.subscribe(c, "devices/anon-1/x")).toBe(true);
    expect(authz.subscribe(c, "devices/anon-1/secret")).toBe(false);
    expect(authz.publish(c, "devices/anon-1/x")).toBe(false);
  });

  test("a client cycling through topics never grows its cache past its bound", () => {
    const { authz, client } = setup({ k: ["topics:publish:#"] });
    const c = client("k", "k");
    for (let i = 0; i < 5000; i++) expect(authz.publish(c, `t/${i}`)).toBe(true);
  });

  test("a dead credential is allowed nothing once the change is seen: no publish (so no will), no delivery", () => {
    const scopes: Record<string, string[]> = { k: ["topics:publish:#", "topics:subscribe:#"] };
    const { authz, client } = setup(scopes);
    const c = client("k", "k");
    expect(authz.publish(c, "will/k")).toBe(true);
    delete scopes.k;
    authz.changed();
    const live = authz.live(c);
    expect(live.ok ? "ok" : live.kind).toBe("revoked");
    expect(authz.publish(c, "will/k")).toBe(false);
    expect(authz.deliver({ clientId: "k", owner: "k", client: c }, "a")).toBe(false);
  });
});
