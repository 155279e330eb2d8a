// One RPC's frame: who is calling (the transport's certificate, a token in metadata, what
// Conn bound to the handle: all handed to identify() together), the machbase-neo reply
// shape (success, reason, elapse), metrics per method and status code, and the audit row
// of every refusal. Handlers only translate their request into questions.
import { type Metadata, status } from "@grpc/grpc-js";
import { type Credentials, formOf, type Identified, principalName } from "../auth/index.ts";
import { isNeoError } from "../lib/errors.ts";
import { formatElapse } from "../lib/http/elapse.ts";
import { type PeerCert, peerCertOf, presentedOf, type RawPeerCertificate } from "../lib/peer-cert.ts";
import type { Caller, GrpcDeps } from "./types.ts";
import { ValueError } from "./values.ts";

/** what a handler reads of a call (unary and streaming calls alike) */
export interface CallLike {
  readonly metadata: Metadata;
  getPeer(): string;
  getAuthContext(): { sslPeerCertificate?: object | undefined };
}

/** a gRPC status with a message: ends the call with that code (not a machbase-neo reply) */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/** machbase-neo's way to say no: a reply with success=false and the reason */
export class Refusal extends Error {}

const SCHEME = /^\s*(?:bearer|thing|client)\s+(\S+)\s*$/i;

/** the token of `authorization: Bearer <token>` metadata (machbase-neo's token form over gRPC) */
function metadataToken(md: Metadata): string | undefined {
  const v = md.get("authorization")[0];
  if (typeof v !== "string") return undefined;
  return SCHEME.exec(v)?.[1] ?? (v.trim() !== "" && !/\s/.test(v.trim()) ? v.trim() : undefined);
}

/**
 * what the transport tells about a call's peer: the certificate its connection was admitted
 * with (`known`, by "address:port"), else what grpc-js's auth context says
 */
function peerOf(call: CallLike, known?: (peer: string) => PeerCert | undefined): { address: string; cert?: PeerCert } {
  const peer = call.getPeer();
  const address = peer.replace(/^\[?(.*?)\]?:\d+$/, "$1");
  const cert = known?.(peer) ?? peerCertOf(call.getAuthContext().sslPeerCertificate as RawPeerCertificate | undefined);
  return cert ? { address, cert } : { address };
}

export interface Framing {
  listener: string;
  /**
   * Who is calling: identify() with the transport's certificate, the metadata token and
   * what Conn presented (`bound`). Throws RpcError(UNAUTHENTICATED) when it says no.
   */
  caller(call: CallLike, bound?: { user?: string; password?: string }): Caller;
  /** an authorize() refusal as a `deny` event in the audit trail (aggregated per principal, operation and minute) */
  denied(c: Caller, op: string, target: string, reason: string): void;
  /** a unary handler in machbase-neo's reply shape; `run` returns the reply's own fields */
  unary<Req, Res extends object>(
    method: string,
    run: (call: CallLike & { request: Req }) => Promise<Res> | Res,
  ): (call: CallLike & { request: Req }, cb: (e: { code: status; details: string } | null, r?: object) => void) => void;
  count(method: string, code: status): void;
}

/** detail of an audit row whose client or user is only what a refused credential claimed */
const CLAIMED = JSON.stringify({ claimed: true });

/** the audit trail's name for how a principal authenticated */
export const auditMethod = (c: Identified) => formOf(c.ref);

export function createFraming(
  deps: GrpcDeps,
  listener: string,
  known?: (peer: string) => PeerCert | undefined,
): Framing {
  const count = (method: string, code: status) => deps.metrics?.call(method, status[code] ?? String(code));

  const caller: Framing["caller"] = (call, bound) => {
    const { address, cert } = peerOf(call, known);
    if (!deps.guard.check(address).ok) throw new RpcError(status.UNAVAILABLE, "too many failed authentications");
    const token = metadataToken(call.metadata);
    const c: Credentials = {
      allowAnonymous: false,
      ...(cert ? { certificate: presentedOf(cert, address) } : {}),
      ...(token ? { token } : {}),
      ...(bound?.user ? { username: bound.user } : {}),
      ...(bound?.password ? { password: bound.password } : {}),
    };
    const r = deps.identify(c);
    if (r.ok) return { principal: r.principal, address, listener };
    if (r.kind === "guess" || r.kind === "mismatch") deps.guard.failed(address);
    else if (r.kind !== "unavailable") deps.guard.refused(address);
    // who it claimed to be: a verified certificate's CN is a fact, a refused token's prefix is not
    const claimed = r.claimed?.startsWith("user:") ? { user: r.claimed.slice(5) } : { client: r.claimed };
    deps.audit.record({
      kind: "auth",
      action: "request",
      result: "fail",
      method: r.form,
      listener,
      address,
      ...(cert ? { client: cert.cn } : r.claimed ? { ...claimed, detail: CLAIMED } : {}),
      reason: r.reason,
    });
    throw new RpcError(
      r.kind === "unavailable" ? status.UNAVAILABLE : status.UNAUTHENTICATED,
      r.kind === "missing"
        ? "a client certificate or an `authorization: Bearer <token>` metadata entry is required"
        : r.reason,
    );
  };

  const denied: Framing["denied"] = (c, op, target, reason) => {
    const p = c.principal;
    deps.audit.record({
      kind: "deny",
      action: op,
      result: "fail",
      method: auditMethod(p),
      listener: c.listener,
      address: c.address,
      ...(p.kind === "user" ? { user: principalName(p) } : p.kind === "client" ? { client: p.id } : {}),
      target,
      reason,
    });
  };

  const unary: Framing["unary"] = (method, run) => (call, cb) => {
    const t0 = performance.now();
    const elapse = () => formatElapse(performance.now() - t0);
    Promise.resolve()
      .then(() => run(call))
      .then(
        (res) => {
          count(method, status.OK);
          cb(null, { success: true, reason: "success", ...res, elapse: elapse() });
        },
        (e: unknown) => {
          if (e instanceof RpcError) {
            count(method, e.code);
            return cb({ code: e.code, details: e.message });
          }
          // machbase-neo answers refusals and bad requests in the reply, not as a status;
          // anything unexpected is logged in full and answered with a generic reason
          count(method, status.OK);
          const known = e instanceof Refusal || e instanceof ValueError || isNeoError(e);
          if (!known) deps.log.error(`gRPC ${method} failed`, e);
          const reason = known ? (e as Error).message : "internal error (see the gateway log)";
          cb(null, { success: false, reason, elapse: elapse() });
        },
      )
      .catch((e: unknown) => deps.log.error(`gRPC ${method}: reply failed`, e));
  };

  return { listener, caller, denied, unary, count };
}
