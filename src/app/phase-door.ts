// Start phase 2, the door: identify (auth), the brute-force guard, the MQTT authenticator
// and authorizer, the read check of queries. Each reads the settings when it decides, and
// cached decisions are dropped when the settings change.
import { ALL_ACCESS_SCOPES, createAuth, personIdentify } from "../auth/index.ts";
import { httpListeners, type NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import { live, type Settings } from "../lib/settings.ts";
import { versionMemo } from "../lib/version-memo.ts";
import { bridgeScopes } from "./bridges.ts";
import { createServerGuard } from "./guard.ts";
import { createMqttAuthenticator } from "./mqtt-auth.ts";
import { createMqttAuthorizer } from "./mqtt-authz.ts";
import type { Stores } from "./phase-stores.ts";
import { createReadCheck } from "./query-authz.ts";
import type { StopList } from "./stop-list.ts";

export type Door = ReturnType<typeof openDoor>;

export function openDoor(settings: Settings<NeoConfig>, s: Stores, stops: StopList) {
  const { registry, people, audit } = s;
  // a named MQTT or HTTP listener's AnonymousScopes, else Auth.AnonymousScopes (names are unique across services)
  const anonymousScopes = (listener?: string) => {
    const now = settings.get();
    const own =
      listener === undefined
        ? undefined
        : (now.mqtt.listeners?.find((l) => l.name === listener) ??
          now.http.listeners?.find((l) => l.name === listener));
    return own?.anonymousScopes ?? now.auth?.anonymousScopes ?? ALL_ACCESS_SCOPES;
  };
  const auth = createAuth({
    registry,
    anonymousScopes,
    person: personIdentify(people.people, people.patAuth),
    people: {
      users: people.users,
      keys: people.keys,
      pats: people.pats,
      rolesOf: (id) => people.membership.members.rolesOf(id),
    },
    trust: () => s.trust,
    // a bridge's rights as the settings hold them now (a reload replaces the settings)
    bridgeScopes: (name) => {
      const b = settings.get().bridges?.find((x) => x.name === name);
      return b ? bridgeScopes(b) : undefined;
    },
  });
  const serverGuard = createServerGuard({
    dataDir: settings.get().data,
    config: settings.get().guard,
    log: createLogger("guard"),
    onBan: (b) =>
      audit.record({
        kind: "ban",
        action: "ban",
        result: "fail",
        address: b.address,
        reason: `${b.failures} failed authentications`,
        detail: JSON.stringify({ until: new Date(b.until).toISOString(), level: b.level }),
      }),
  });
  stops.add("stores", "guard", () => serverGuard.close());
  s.metrics.provide({ bans: () => serverGuard.guard.bans().length });
  // every MQTT session's rights as current() says they are now
  const authz = createMqttAuthorizer({
    current: (ref) => auth.current(ref),
    // a session restored from mqtt-state.bin, whose client has not come back yet: its key now
    keyRef: (owner) => {
      const r = owner.startsWith("user:") ? null : registry.get(owner);
      return r ? { kind: "client", id: r.id, form: "token", generation: r.certFingerprint } : null;
    },
    log: createLogger("mqtt"),
  });
  // AnonymousScopes (or anything else a decision read) may have changed: decide again
  settings.onChange(() => authz.changed());
  const mqttAuth = createMqttAuthenticator({
    config: live(() => settings.get().mqtt),
    auth,
    // MQTT over WebSocket on a named HTTP listener's /mqtt: that listener's rules
    httpListener: (name) => httpListeners(settings.get().http).find((l) => l.named && l.name === name),
    // is this client id a registered key's? Remembered until the registry changes (any process)
    isRegistered: versionMemo(
      () => registry.dataVersion(),
      (id) => registry.get(id) != null,
    ),
    epoch: () => authz.epoch(),
  });
  return {
    auth,
    serverGuard,
    guard: serverGuard.guard,
    authz,
    mqttAuth,
    readCheck: createReadCheck(s.finder),
  };
}
