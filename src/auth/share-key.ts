// Whose share of a limited pool (the query processes) a request uses: a principal's kind
// and id (a user and a key of the same name are two principals), or for an anonymous
// caller its address (with token auth off, everyone is anonymous: each address then has
// its own share, and one address cannot take everyone's).
import type { Principal } from "./authorize.ts";

export function shareKey(p: Principal | undefined, address: string | undefined): string {
  if (p === undefined || p.kind === "anonymous") return `address:${address ?? "unknown"}`;
  return `${p.kind}:${p.id}`;
}
