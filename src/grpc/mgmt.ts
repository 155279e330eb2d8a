// mgmt.Management: keys (ListKey, GenKey, DelKey, ServerKey), ServerInfo, ServicePorts,
// Sessions and KillSession. Each key call is authorize(keys:<list|create|delete>:<id>) as
// on /keys, with the same handlers behind it and the change in the audit trail. The
// methods neo has no counterpart for (SSH keys, shells, shutdown, limits, debug mode) are
// left out of the implementation: grpc-js answers them UNIMPLEMENTED.
import { authorize, type Operation, principalName } from "../auth/index.ts";
import type { Handles } from "./handles.ts";
import { samePrincipal } from "./handles.ts";
import { sessionsReply } from "./machbase-conn.ts";
import { type Framing, Refusal } from "./rpc.ts";
import type { Caller, GrpcDeps } from "./types.ts";

const secondsToDate = (s: string | undefined) => {
  const n = Number(s ?? 0);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000) : undefined;
};

export function mgmtHandlers(deps: GrpcDeps, f: Framing, handles: Handles) {
  /** refused: audited; another domain's key gets `absent`, the answer a key of that id gets here */
  const allowed = (c: Caller, op: Operation, id: string, absent?: string) => {
    const d = authorize(c.principal, op, id);
    if (!d.allow) {
      f.denied(c, op, id, d.reason);
      if (d.absent && absent) throw new Refusal(absent);
      throw new Refusal(`${d.reason} (needs the scope ${op}:${id})`);
    }
  };
  const actor = (c: Caller) => `${c.principal.kind === "client" ? "client" : "user"} ${c.principal.id}`;
  const changed = (c: Caller, action: string, id: string) => {
    const p = c.principal;
    deps.audit.record({
      kind: "change",
      action,
      result: "ok",
      ...(p.kind === "client" ? { client: p.id } : { user: principalName(p) }),
      address: c.address,
      listener: c.listener,
      target: id,
    });
  };

  return {
    ListKey: f.unary<object, object>("ListKey", (call) => {
      const c = f.caller(call);
      const p = c.principal;
      if (!p.scopes.some((s) => s.operation === "keys:list" && !s.deny)) allowed(c, "keys:list", "*");
      const keys = deps.keys
        .list()
        .filter((k) => authorize(p, "keys:list", k.id).allow)
        .map((k) => ({ id: k.id, notBefore: String(k.notBefore), notAfter: String(k.notAfter) }));
      return { keys };
    }),

    GenKey: f.unary<{ id: string; type: string; notBefore: string; notAfter: string }, object>(
      "GenKey",
      async (call) => {
        const c = f.caller(call);
        const { id, type } = call.request;
        if (!id) throw new Refusal("give the new key's id");
        allowed(c, "keys:create", id, `client id ${id} already exists`); // ids are global
        const notBefore = secondsToDate(call.request.notBefore);
        const notAfter = secondsToDate(call.request.notAfter);
        // machbase-neo's types are "ec"/"ecdsa" and "rsa"
        const kind = type === "" || type === "ecdsa" ? "ec" : type;
        const r = await deps.keys.create(
          { id, type: kind, ...(notBefore ? { notBefore } : {}), ...(notAfter ? { notAfter } : {}) },
          actor(c),
        );
        if (!r.ok) throw new Refusal(r.reason);
        changed(c, "key.create", id);
        return { id, token: r.token, key: r.key, certificate: r.certificate };
      },
    ),

    DelKey: f.unary<{ id: string }, object>("DelKey", async (call) => {
      const c = f.caller(call);
      const { id } = call.request;
      allowed(c, "keys:delete", id, `client id ${id} not found`);
      const r = await deps.keys.remove(id, actor(c));
      if (!r.ok) throw new Refusal(r.reason);
      changed(c, "key.delete", id);
      return {};
    }),

    ServerKey: f.unary<object, object>("ServerKey", (call) => {
      f.caller(call);
      return { certificate: deps.keys.serverCert() };
    }),

    ServerInfo: f.unary<object, object>("ServerInfo", (call) => {
      f.caller(call);
      const v = deps.server.version;
      const mem = process.memoryUsage();
      return {
        version: { ...v, buildCompiler: `bun ${Bun.version}`, engine: "sqlite" },
        runtime: {
          OS: process.platform,
          arch: process.arch,
          pid: process.pid,
          uptimeInSecond: String(Math.floor((Date.now() - deps.server.startedAt) / 1000)),
          processes: 1,
          goroutines: 0,
          mem: { rss: String(mem.rss), heapUsed: String(mem.heapUsed), heapTotal: String(mem.heapTotal) },
        },
      };
    }),

    ServicePorts: f.unary<{ service: string }, object>("ServicePorts", (call) => {
      f.caller(call);
      const want = call.request.service.toLowerCase();
      return { ports: deps.server.ports().filter((p) => want === "" || p.service === want) };
    }),

    Sessions: f.unary<{ statz: boolean; sessions: boolean }, object>("Sessions", (call) => {
      const c = f.caller(call);
      // every session for a holder of keys:list:*, else the caller's own
      const all = authorize(c.principal, "keys:list", "*").allow;
      const conns = handles.list().filter((h) => all || samePrincipal(h.principal, c.principal));
      return sessionsReply(handles, conns, call.request);
    }),

    KillSession: f.unary<{ id: string; force: boolean }, object>("KillSession", (call) => {
      const c = f.caller(call);
      const h = handles.conns.map.get(call.request.id);
      const mine = h && samePrincipal(h.principal, c.principal);
      // another principal's session: the right to revoke its key
      if (h && !mine) allowed(c, "keys:revoke", h.principal.id);
      if (!h) throw new Refusal(`session "${call.request.id}" not found`);
      handles.closeConn(h.id);
      deps.log.info(`gRPC: ${actor(c)} closed session ${h.id} of ${h.principal.id}`);
      return {};
    }),
  };
}
