// grpc: machbase-neo's gRPC API (machrpc.Machbase, mgmt.Management) as an adapter: it turns
// calls into identify() / authorize() questions, queries and writes; it decides nothing.
export { startGrpc, type GrpcListener, type GrpcListenOptions } from "./server.ts";
export type { GrpcDeps, KeyOps, ServerFacts } from "./types.ts";
export { PROTO_FILES } from "./protos.ts";
