// Listener "name" { Address = "tls://0.0.0.0:8883", EnableTokenAuth, ClientAuth, AnonymousScopes, Credentials }
// blocks and the `Listeners = [...]` shorthand, for Mqtt and Http alike: any number of
// listeners per service, each with its own address, transport and auth rules (Mosquitto's
// per_listener_settings). Without any, the service's Listen + Tls are the one listener.
import { parseListen } from "../listen.ts";
import type { Value } from "../parser.ts";
import { CREDENTIAL_FORMS, type ListenConfig, type ListenerConfig } from "../types.ts";
import { bool, oneOf, scopeList, someOf } from "./leaves.ts";
import type { ConfigPatch, ListenerPatch } from "./patch.ts";
import { got, list, q, type Ctx, type LabelledSpec, type LeafSpec } from "./spec.ts";

type AnyTransport = NonNullable<ListenerPatch["transport"]>;

export interface ListenerKind<T extends AnyTransport> {
  svc: "mqtt" | "http";
  /** the section's key in the file */
  key: "Mqtt" | "Http";
  transports: readonly T[];
  /** the transports that ask for client certificates (ClientAuth is allowed there) */
  certTransports: readonly T[];
  /** an address of each kind, for messages: ["tcp://127.0.0.1:1883", "tls://0.0.0.0:8883"] */
  examples: readonly [plain: string, secure: string];
}

/** The schema pieces of one service's listeners. */
export function listenerBlocks<T extends AnyTransport>(k: ListenerKind<T>) {
  const [plain, secure] = k.examples;
  const current = (p: ConfigPatch): ListenerPatch => p[k.svc].listeners?.at(-1) as ListenerPatch;
  const or = (xs: readonly string[]) =>
    xs.length > 1 ? `${xs.slice(0, -1).join(", ")} or ${xs.at(-1)}` : (xs[0] ?? "");
  const schemes = or(k.transports.map((t) => `${t}://`));
  const isT = (t: string | undefined): t is T => k.transports.some((x) => x === t);

  function readAddress(v: Value): { transport: T; listen: ListenConfig } | string {
    if (v.kind !== "string") return `expected "${plain}" or "${secure}", got ${got(v)}`;
    const m = /^([A-Za-z]+):\/\/(.*)$/.exec(v.value.trim());
    const scheme = m?.[1]?.toLowerCase();
    const scheme0 = (x: string) => x.slice(0, x.indexOf("://") + 3);
    if (!m || !scheme) return `give the transport: "${scheme0(plain)}${v.value}" or "${scheme0(secure)}${v.value}"`;
    if (!isT(scheme)) return `unsupported transport "${scheme}://" (use ${schemes})`;
    const at = parseListen(m[2] ?? "");
    return at.ok ? { transport: scheme, listen: at.value } : at.error;
  }

  const address: LeafSpec = {
    kind: "leaf",
    type: `${k.transports.map((t) => `"${t}://host:port"`).join(", ")} (port 0 picks a free port)`,
    read: (v) => {
      const a = readAddress(v);
      if (typeof a === "string") return a;
      return (p) => Object.assign(current(p), a);
    },
  };

  /** `Listeners = ["tcp://127.0.0.1:1883", "tls://0.0.0.0:8883"]`: one listener each, named "<transport>-<port>", the service's rules */
  const listenersList: LeafSpec = {
    kind: "leaf",
    type: `list of ${k.transports.map((t) => `"${t}://host:port"`).join(" / ")} (each becomes Listener "<transport>-<port>")`,
    read: (v) => {
      if (v.kind !== "list") return `expected a list of addresses ["${plain}", "${secure}"], got ${got(v)}`;
      const out: ListenerPatch[] = [];
      for (const item of v.items) {
        const a = readAddress(item);
        if (typeof a === "string") return a;
        out.push({ name: `${a.transport}-${a.listen.port}`, at: `${item.pos.line}:${item.pos.col}`, ...a });
      }
      return (p) => (p[k.svc].listeners ??= []).push(...out);
    },
  };

  const listenerSpec: LabelledSpec = {
    kind: "labelled",
    label: (name) =>
      /^[A-Za-z0-9_-]{1,32}$/.test(name)
        ? undefined
        : `listener name ${JSON.stringify(name)}: use 1-32 letters, digits, "-" or "_" (it names a metric label and a $SYS topic)`,
    start: (p, name, pos) => (p[k.svc].listeners ??= []).push({ name, at: `${pos.line}:${pos.col}` }),
    fields: {
      Address: address,
      EnableTokenAuth: bool((p, b) => (current(p).enableTokenAuth = b)),
      ClientAuth: oneOf(["require", "optional", "none"] as const, (p, m) => (current(p).clientAuth = m)),
      AnonymousScopes: scopeList((p, l) => (current(p).anonymousScopes = l)),
      Credentials: someOf(CREDENTIAL_FORMS, (p, l) => (current(p).credentials = l)),
    },
  };

  /**
   * every listener has an Address; ClientAuth only where certificates are asked for; no two
   * on one address; a name used once across services (the audit trail and metrics say only the name)
   */
  function check(p: ConfigPatch, ctx: Ctx, others: readonly ListenerPatch[] = []): void {
    const seen = new Map<string, string>();
    const names = new Set<string>();
    const elsewhere = new Set(others.map((o) => o.name));
    const certs = or(k.certTransports.map((t) => `${t}://`));
    for (const l of p[k.svc].listeners ?? []) {
      const [line, col] = l.at.split(":").map(Number);
      const pos = { line: line ?? 0, col: col ?? 0 };
      const named = `${k.key}.Listener ${q(l.name)}`;
      if (!l.listen || !isT(l.transport)) {
        ctx.problems.push({ pos, message: `${named}: no Address (write Address = "${plain}")` });
        continue;
      }
      if (l.clientAuth !== undefined && !k.certTransports.includes(l.transport))
        ctx.problems.push({
          pos,
          message: `${named}: ClientAuth needs a ${certs} Address`,
        });
      const key = `${l.listen.host}:${l.listen.port}`;
      const other = seen.get(key);
      if (names.has(l.name)) ctx.problems.push({ pos, message: `${named}: two listeners have this name` });
      else if (elsewhere.has(l.name))
        ctx.problems.push({
          pos,
          message: `${named}: a ${k.key === "Http" ? "Mqtt" : "Http"}.Listener has this name (the audit trail and metrics name listeners alone: use e.g. ${q(`${l.name}-${k.svc}`)})`,
        });
      names.add(l.name);
      if (other && l.listen.port !== 0)
        ctx.problems.push({ pos, message: `${named}: ${key} is already ${k.key}.Listener ${q(other)}'s address` });
      seen.set(key, l.name);
    }
  }

  function resolved(p: ConfigPatch): ListenerConfig<T>[] | undefined {
    const ls = p[k.svc].listeners;
    if (!ls?.length) return undefined;
    return ls.flatMap((l): ListenerConfig<T>[] =>
      l.listen && isT(l.transport)
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

  function lines(ls: readonly ListenerConfig<T>[] | undefined): string[] {
    return (ls ?? []).flatMap((l) => [
      `  Listener ${q(l.name)} {`,
      `    Address = ${q(`${l.transport}://${l.listen.host.includes(":") ? `[${l.listen.host}]` : l.listen.host}:${l.listen.port}`)}`,
      ...(l.enableTokenAuth !== undefined ? [`    EnableTokenAuth = ${l.enableTokenAuth}`] : []),
      ...(l.clientAuth !== undefined ? [`    ClientAuth = ${q(l.clientAuth)}`] : []),
      ...(l.anonymousScopes ? [`    AnonymousScopes = ${list(l.anonymousScopes)}`] : []),
      ...(l.credentials ? [`    Credentials = ${list(l.credentials)}`] : []),
      "  }",
    ]);
  }

  return { listenerSpec, listenersList, check, resolved, lines };
}
