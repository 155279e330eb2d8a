// machrpc.Machbase: connections and the calls around them (Conn, ConnClose, Ping,
// UserAuth, Sessions, KillSession). Conn's user/password go to identify() together with
// the transport's certificate and the metadata token, exactly like an MQTT CONNECT's
// username/password: user = the key id (or empty) with no password, or password = the
// same key's token. machbase-neo's database users (sys/manager) are not neo credentials.
import { principalName } from "../auth/index.ts";
import type { ConnHandle, Handles } from "./handles.ts";
import { samePrincipal } from "./handles.ts";
import { auditMethod, type CallLike, type Framing, Refusal } from "./rpc.ts";
import type { Caller, GrpcDeps } from "./types.ts";

interface ConnRef {
  conn?: { handle?: string } | null;
}

/** The caller of a call that may name a connection handle (machbase-neo's reply: "invalid connection handle"). */
export function callerWith(
  f: Framing,
  handles: Handles,
  call: CallLike,
  handle: string | undefined,
): { caller: Caller; conn?: ConnHandle } {
  if (!handle) return { caller: f.caller(call) };
  const conn = handles.conns.map.get(handle);
  if (!conn) throw new Refusal("invalid connection handle");
  const caller = f.caller(call, conn);
  if (!samePrincipal(conn.principal, caller.principal)) throw new Refusal("invalid connection handle");
  conn.used = Date.now();
  return { caller, conn };
}

export function connHandlers(deps: GrpcDeps, f: Framing, handles: Handles) {
  const actor = (c: Caller) => `${c.principal.kind === "client" ? "client" : "user"} ${c.principal.id}`;
  return {
    Conn: f.unary<{ user: string; password: string }, object>("Conn", (call) => {
      const { user, password } = call.request;
      const caller = f.caller(call, { user, password });
      const h = handles.conns.add({ principal: caller.principal, user, password });
      if (typeof h === "string") throw new Refusal(h);
      const p = caller.principal;
      deps.audit.record({
        kind: "auth",
        action: "connect",
        result: "ok",
        method: auditMethod(p),
        listener: caller.listener,
        address: caller.address,
        ...(p.kind === "client" ? { client: p.id } : { user: principalName(p) }),
      });
      return { conn: { handle: h.id } };
    }),

    ConnClose: f.unary<ConnRef, object>("ConnClose", (call) => {
      const handle = call.request.conn?.handle;
      const { conn } = callerWith(f, handles, call, handle);
      if (!conn) throw new Refusal(`Conn does not exist "${handle ?? ""}"`);
      handles.closeConn(conn.id);
      return {};
    }),

    Ping: f.unary<{ token: string }, object>("Ping", (call) => {
      f.caller(call);
      return { token: call.request.token };
    }),

    UserAuth: f.unary<{ loginName: string; password: string }, object>("UserAuth", async (call) => {
      const caller = f.caller(call);
      const ok = (await deps.userAuth?.(call.request.loginName, call.request.password, caller.address)) ?? false;
      if (!ok) throw new Refusal("invalid username or password");
      return {};
    }),

    // machrpc's own Sessions/KillSession (machbase-neo 8.0): the caller's own connections
    Sessions: f.unary<{ statz: boolean; sessions: boolean }, object>("Sessions", (call) => {
      const caller = f.caller(call);
      const mine = handles.list().filter((c) => samePrincipal(c.principal, caller.principal));
      return sessionsReply(handles, mine, call.request);
    }),

    KillSession: f.unary<{ id: string }, object>("KillSession", (call) => {
      const caller = f.caller(call);
      const c = handles.conns.get(call.request.id, caller.principal);
      if (!c) throw new Refusal(`session "${call.request.id}" not found`);
      handles.closeConn(c.id);
      deps.log.info(`gRPC: ${actor(caller)} closed session ${c.id}`);
      return {};
    }),
  };
}

/** machbase-neo's SessionsResponse for these connections */
export function sessionsReply(handles: Handles, conns: ConnHandle[], req: { statz?: boolean; sessions?: boolean }) {
  const s = handles.stats();
  return {
    ...(req.statz
      ? {
          statz: {
            conns: String(s.conns),
            stmts: String(s.rows),
            appenders: String(s.appenders),
            connsInUse: s.conns,
            stmtsInUse: s.rows,
            appendersInUse: s.streams,
            rawConns: s.conns,
          },
        }
      : {}),
    Sessions: req.sessions
      ? conns.map((c) => ({
          id: c.id,
          creTime: String(BigInt(c.created) * 1_000_000n),
          latestSqlTime: String(BigInt(c.latestSqlTime ?? 0) * 1_000_000n),
          latestSql: c.latestSql ?? "",
        }))
      : [],
  };
}
