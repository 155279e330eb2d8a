// grpc: machbase-neo's gRPC API (machrpc.Machbase, mgmt.Management) as an adapter: it turns
// calls into identify() / authorize() questions, queries and writes; it decides nothing.
export { startGrpc, type GrpcListener } from "./server.ts";
export type { Gone, GrpcDeps, KeyOps } from "./types.ts";
