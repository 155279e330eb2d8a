// Mqtt { Listener "name" { Address = "tls://0.0.0.0:8883", EnableTokenAuth, ClientAuth, AnonymousScopes, Credentials } }:
// any number of MQTT listeners, each with its own address, transport and auth rules
// (Mosquitto's per_listener_settings). Without any, Listen + Tls are the one listener.
import { parseListen } from "../listen.ts";
import type { Value } from "../parser.ts";
import { CREDENTIAL_FORMS, type ListenConfig, type MqttListenerConfig, type NeoConfig } from "../types.ts";
import { bool, oneOf, scopeList, someOf } from "./leaves.ts";
import type { ConfigPatch, MqttListenerPatch } from "./patch.ts";
import { got, list, q, type Ctx, type LabelledSpec, type LeafSpec } from "./spec.ts";

const TRANSPORTS = ["tcp", "tls", "ws", "wss"] as const;
const current = (p: ConfigPatch): MqttListenerPatch => p.mqtt.listeners?.at(-1) as MqttListenerPatch;

type Address = { transport: MqttListenerConfig["transport"]; listen: ListenConfig };
function readAddress(v: Value): Address | string {
  if (v.kind !== "string") return `expected "tcp://host:port" or "tls://host:port", got ${got(v)}`;
  const m = /^([A-Za-z]+):\/\/(.*)$/.exec(v.value.trim());
  const scheme = m?.[1]?.toLowerCase();
  if (!m || !scheme) return `give the transport: "tcp://${v.value}" or "tls://${v.value}"`;
  const transport = TRANSPORTS.find((t) => t === scheme);
  if (!transport) return `unsupported transport "${scheme}://" (use tcp://, tls://, ws:// or wss://)`;
  const at = parseListen(m[2] ?? "");
  return at.ok ? { transport, listen: at.value } : at.error;
}

const address: LeafSpec = {
  kind: "leaf",
  type: '"tcp://host:port", "tls://...", "ws://..." or "wss://..." (MQTT over WebSocket on /mqtt; port 0 picks a free port)',
  read: (v) => {
    const a = readAddress(v);
    if (typeof a === "string") return a;
    return (p) => Object.assign(current(p), a);
  },
};

/** `Listeners = ["tcp://127.0.0.1:1883", "tls://0.0.0.0:8883"]`: one listener each, named "<transport>-<port>", the service's rules */
export const listenersList: LeafSpec = {
  kind: "leaf",
  type: 'list of "tcp://host:port" / "tls://host:port" (each becomes Listener "<transport>-<port>")',
  read: (v) => {
    if (v.kind !== "list")
      return `expected a list of addresses ["tcp://127.0.0.1:1883", "tls://0.0.0.0:8883"], got ${got(v)}`;
    const out: MqttListenerPatch[] = [];
    for (const item of v.items) {
      const a = readAddress(item);
      if (typeof a === "string") return a;
      out.push({ name: `${a.transport}-${a.listen.port}`, at: `${item.pos.line}:${item.pos.col}`, ...a });
    }
    return (p) => (p.mqtt.listeners ??= []).push(...out);
  },
};

export const mqttListenerSpec: LabelledSpec = {
  kind: "labelled",
  label: (name) =>
    /^[A-Za-z0-9_-]{1,32}$/.test(name)
      ? undefined
      : `listener name ${JSON.stringify(name)}: use 1-32 letters, digits, "-" or "_" (it names a metric label and a $SYS topic)`,
  start: (p, name, pos) => (p.mqtt.listeners ??= []).push({ name, at: `${pos.line}:${pos.col}` }),
  fields: {
    Address: address,
    EnableTokenAuth: bool((p, b) => (current(p).enableTokenAuth = b)),
    ClientAuth: oneOf(["require", "optional", "none"] as const, (p, m) => (current(p).clientAuth = m)),
    AnonymousScopes: scopeList((p, l) => (current(p).anonymousScopes = l)),
    Credentials: someOf(CREDENTIAL_FORMS, (p, l) => (current(p).credentials = l)),
  },
};

/** every listener has an Address; ClientAuth only on tls (wss:// asks for no client certificate); no two on one address */
export function checkMqttListeners(p: ConfigPatch, ctx: Ctx): void {
  const seen = new Map<string, string>();
  const names = new Set<string>();
  for (const l of p.mqtt.listeners ?? []) {
    const [line, col] = l.at.split(":").map(Number);
    const pos = { line: line ?? 0, col: col ?? 0 };
    const named = `Mqtt.Listener ${q(l.name)}`;
    if (!l.listen) {
      ctx.problems.push({ pos, message: `${named}: no Address (write Address = "tcp://127.0.0.1:1883")` });
      continue;
    }
    if (l.clientAuth !== undefined && l.transport !== "tls")
      ctx.problems.push({
        pos,
        message: `${named}: ClientAuth needs a tls:// Address${l.transport === "wss" ? " (a wss:// listener asks for no client certificate; use tls:// for certificate clients)" : ""}`,
      });
    const key = `${l.listen.host}:${l.listen.port}`;
    const other = seen.get(key);
    if (names.has(l.name)) ctx.problems.push({ pos, message: `${named}: two listeners have this name` });
    names.add(l.name);
    if (other && l.listen.port !== 0)
      ctx.problems.push({ pos, message: `${named}: ${key} is already Mqtt.Listener ${q(other)}'s address` });
    seen.set(key, l.name);
  }
}

export function applyMqttListeners(cfg: NeoConfig, p: ConfigPatch): void {
  if (!p.mqtt.listeners?.length) return;
  cfg.mqtt.listeners = p.mqtt.listeners.flatMap((l): MqttListenerConfig[] =>
    l.listen && l.transport
      ? [
          {
            name: l.name,
            transport: l.transport,
            listen: { ...l.listen },
            at: l.at,
            ...(l.enableTokenAuth !== undefined ? { enableTokenAuth: l.enableTokenAuth } : {}),
            ...(l.clientAuth !== undefined ? { clientAuth: l.clientAuth } : {}),
            ...(l.anonymousScopes ? { anonymousScopes: [...l.anonymousScopes] } : {}),
            ...(l.credentials ? { credentials: [...l.credentials] } : {}),
          },
        ]
      : [],
  );
}

export function mqttListenerLines(cfg: NeoConfig): string[] {
  return (cfg.mqtt.listeners ?? []).flatMap((l) => [
    `  Listener ${q(l.name)} {`,
    `    Address = ${q(`${l.transport}://${l.listen.host.includes(":") ? `[${l.listen.host}]` : l.listen.host}:${l.listen.port}`)}`,
    ...(l.enableTokenAuth !== undefined ? [`    EnableTokenAuth = ${l.enableTokenAuth}`] : []),
    ...(l.clientAuth !== undefined ? [`    ClientAuth = ${q(l.clientAuth)}`] : []),
    ...(l.anonymousScopes ? [`    AnonymousScopes = ${list(l.anonymousScopes)}`] : []),
    ...(l.credentials ? [`    Credentials = ${list(l.credentials)}`] : []),
    "  }",
  ]);
}
