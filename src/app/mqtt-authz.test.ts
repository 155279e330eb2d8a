import { describe, expect, test } from "bun:test";
import { makePrincipal } from "../auth/index.ts";
import { createLogger } from "../lib/log.ts";
import type { ClientRef } from "../mqtt/index.ts";
import type { ClientRecord } from "../registry/index.ts";
import { createMqttAuthorizer } from "./mqtt-authz.ts";
import type { SessionCredential } from "./mqtt-auth.ts";

function setup(scopes: Record<string, string[]>, anonymous: string[] = ["topics:subscribe:#"]) {
  let reads = 0;
  const registry = {
    get: (id: string) => {
      reads++;
      return scopes[id] ? ({ id, scopes: scopes[id] } as unknown as ClientRecord) : null;
    },
  };
  const authz = createMqttAuthorizer({ registry, anonymousScopes: () => anonymous, log: createLogger("test") });
  const client = (id: string, key?: string): ClientRef => {
    const principal = key
      ? { ...makePrincipal(key, "client", scopes[key]!), via: "token" as const, expiresAt: 0, fingerprint256: "" }
      : { ...makePrincipal(id, "anonymous", anonymous), via: "anonymous" as const, expiresAt: 0, fingerprint256: "" };
    const meta: SessionCredential = {
      clientId: key ?? id,
      fingerprint256: "",
      expiresAt: 0,
      via: principal.via,
      principal,
    };
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
});
