// Shared pieces of the generator scenarios: identities, CPU windows, connection pools.
import { readFileSync } from "node:fs";
import { MqttConn, type Endpoint, type TlsFiles } from "./client.ts";
import { procCpuSeconds } from "./proc.ts";
import type { CpuWindow, GenSpec } from "./spec.ts";
import type { Identity } from "./targets/types.ts";

const pemCache = new Map<string, string>();
const pem = (p: string) => {
  let v = pemCache.get(p);
  if (v === undefined) {
    v = readFileSync(p, "utf8");
    pemCache.set(p, v);
  }
  return v;
};

/** Lane `i` of role `tag`: the fixed identity i, or identity 0 with a derived client id. */
export function identityFor(spec: GenSpec, tag: string, i: number): Identity {
  if (spec.fixedIds) {
    const id = spec.ids[i];
    if (!id) throw new Error(`scenario needs identity #${i + 1}, target provided ${spec.ids.length}`);
    return id;
  }
  const base = spec.ids[0];
  if (!base) throw new Error("target provided no identity");
  return { ...base, clientId: `${base.clientId}-${tag}${i}` };
}

export function endpointFor(spec: GenSpec, id: Identity): Endpoint {
  const tls: TlsFiles | undefined =
    spec.tls && id.tls ? { ca: pem(id.tls.ca), cert: pem(id.tls.cert), key: pem(id.tls.key) } : undefined;
  return { host: spec.host, port: spec.port, ...(tls ? { tls } : {}) };
}

export function openLane(spec: GenSpec, tag: string, i: number, keepalive = 0): Promise<MqttConn> {
  const id = identityFor(spec, tag, i);
  return MqttConn.open(endpointFor(spec, id), {
    clientId: id.clientId,
    keepalive,
    ...(id.username !== undefined ? { username: id.username } : {}),
    ...(id.password !== undefined ? { password: id.password } : {}),
  });
}

/** Snapshot now; `end()` gives the CPU used by us and by the broker since, per wall second. */
export function cpuWindow(brokerPid: number): { end(): CpuWindow } {
  const t0 = performance.now();
  const g0 = process.cpuUsage();
  const b0 = procCpuSeconds(brokerPid);
  return {
    end() {
      const wallSec = (performance.now() - t0) / 1000;
      const g = process.cpuUsage(g0);
      const b1 = procCpuSeconds(brokerPid);
      return { wallSec, genCpu: (g.user + g.system) / 1e6 / wallSec, brokerCpu: (b1 - b0) / wallSec };
    },
  };
}

/** Resolve after `ms`, or earlier when `signal()` is called. A cheap "wait for progress". */
export class Waker {
  private waiters: (() => void)[] = [];
  wait(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => {
        r();
      }, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }
  signal(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** Run `n` tasks with at most `c` in flight; returns the errors (first few messages). */
export async function pool(
  n: number,
  c: number,
  task: (i: number) => Promise<void>,
): Promise<{ failed: number; firstError?: string }> {
  let next = 0,
    failed = 0;
  let firstError: string | undefined;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      try {
        await task(i);
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, lane));
  return { failed, ...(firstError ? { firstError } : {}) };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
