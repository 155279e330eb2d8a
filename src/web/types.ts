// What the web API needs from the registry: the real Registry satisfies it.
import type { Registry } from "../registry/index.ts";

export type KeyRegistry = Pick<Registry, "create" | "list" | "delete" | "revoke" | "rotate">;
export type { ClientRecord as KeyRecord, IssuedClient as CreatedKey } from "../registry/index.ts";
