// The live re-check's one change signal: "rights may have changed, ask current() again".
// It moves when the registry changes (this process's writes at once, another process's by
// SQLite's data_version) and when a trusted company CA's CRL file was read again
// (pki/trust.ts watches the files): every live thing (MQTT sessions, gRPC streams,
// channel sockets and CoAP observations) listens to this, not to the registry alone.
import type { TrustedCas } from "../pki/index.ts";
import type { Registry } from "../registry/index.ts";

export interface CredentialSignal {
  /** moves whenever rights may have changed */
  dataVersion(): number;
  /** this process's changes (its registry writes, a CRL read again), at once */
  onChange(fn: () => void): () => void;
  stop(): void;
}

export function createCredentialSignal(
  registry: Pick<Registry, "dataVersion" | "onChange">,
  trust: Pick<TrustedCas, "watch"> | undefined,
): CredentialSignal {
  let crls = 0;
  const listeners = new Set<() => void>();
  const stopWatch = trust?.watch(() => {
    crls++;
    for (const fn of listeners) fn();
  });
  return {
    // both parts only grow, so their sum moves whenever either does
    dataVersion: () => registry.dataVersion() + crls,
    onChange(fn) {
      const off = registry.onChange(fn);
      listeners.add(fn);
      return () => {
        off();
        listeners.delete(fn);
      };
    },
    stop: () => stopWatch?.(),
  };
}
