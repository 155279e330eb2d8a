// What the gateway's CONNECT hook costs per call, in one process against real files
// (registry.db, audit.db batched, bans in registry.db), token CONNECT (username = token):
//   bun bench/micro/connect-hook.ts [count] [--vs <other checkout>]
// With --vs, the other checkout's modules are loaded into the same process too (its own
// data dir) and the two are timed in alternating rounds (median µs per call each), so a
// busy machine hits both alike: a before/after of the hook without building anything.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const vsAt = args.indexOf("--vs");
const other = vsAt >= 0 ? args[vsAt + 1] : undefined;
const count = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== "--vs") ?? 20_000);
const ROUNDS = 9;
const here = resolve(import.meta.dir, "../..");

type Hook = Record<string, () => unknown>;

/** the hook's parts as the gateway wires them (app/gateway.ts), from the checkout at `root` */
async function build(root: string): Promise<{ parts: Hook; close(): void }> {
  const m = async <T>(p: string): Promise<T> => (await import(join(root, "src", p))) as T;
  // biome-ignore lint/suspicious/noExplicitAny: modules of another checkout, loaded by path
  type Any = any;
  const log = await m<Any>("lib/log.ts");
  log.setLogLevel("warn");
  const { defaultConfig } = await m<Any>("config/index.ts");
  const { loadOrCreatePki } = await m<Any>("pki/index.ts");
  const { openRegistry } = await m<Any>("registry/index.ts");
  const { ALL_ACCESS_SCOPES, createAuth, personIdentify } = await m<Any>("auth/index.ts");
  const { auditConnect, createServerAudit } = await m<Any>("app/audit.ts");
  const { createServerGuard } = await m<Any>("app/guard.ts");
  const { countedAudit, createGatewayMetrics } = await m<Any>("app/metrics.ts");
  const { createMqttAuthenticator } = await m<Any>("app/mqtt-auth.ts");
  const { openPeople } = await m<Any>("app/people.ts");
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-connect-hook-"));
  const config = defaultConfig(dir);
  const registry = openRegistry(dir);
  const pki = await loadOrCreatePki(dir, { hosts: [] });
  const key = await registry.create({
    id: "bench01",
    keyType: "ec",
    pki,
    notBefore: new Date(),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const people = openPeople(dir, () => config.login);
  const auth = createAuth({
    registry,
    anonymousScopes: () => ALL_ACCESS_SCOPES,
    person: personIdentify(people.people, people.patAuth),
  });
  const metrics = createGatewayMetrics();
  const audit = countedAudit(createServerAudit(dir, config.audit, log.createLogger("audit")), metrics);
  const guard = createServerGuard({ dataDir: dir, config: config.guard, log: log.createLogger("guard") });
  const mqttAuth = createMqttAuthenticator({
    config: { ...config.mqtt, enableTokenAuth: true },
    auth,
    isRegistered: (id: string) => registry.get(id) != null,
    epoch: () => 0, // the live re-check's epoch (checkouts before issue 18 ignore it)
  });
  const req = {
    clientId: "b1",
    username: key.token as string,
    protocolVersion: 4,
    peer: { transport: "tcp", remoteAddress: "127.0.0.1", remotePort: 40000 },
  };
  const parts: Hook = {
    // broker-hooks.ts authenticate() for a TCP CONNECT with a valid token
    hook: () => {
      if (!guard.guard.check(req.peer.remoteAddress).ok) throw new Error("banned");
      const r = mqttAuth.authenticate(req);
      if (!r.ok) throw new Error(r.reason);
      auditConnect(audit, req, r);
      return r;
    },
  };
  return {
    parts,
    close() {
      audit.close();
      guard.close();
      people.close?.();
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sides = [{ label: "this checkout", root: here }];
if (other) sides.push({ label: other, root: resolve(other) });
const built = await Promise.all(sides.map((s) => build(s.root)));
const times: number[][] = sides.map(() => []);
try {
  for (const b of built) for (let i = 0; i < 2000; i++) b.parts.hook?.(); // warm-up
  const n = Math.ceil(count / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? built.map((_, i) => i) : built.map((_, i) => i).reverse();
    for (const i of order) {
      const fn = built[i]?.parts.hook as () => unknown;
      const t0 = performance.now();
      for (let k = 0; k < n; k++) fn();
      times[i]?.push(((performance.now() - t0) * 1000) / n);
      await Bun.sleep(0); // the audit trail flushes between rounds, as the server's timer would
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  sides.forEach((s, i) => {
    console.log(
      `${median(times[i] ?? [])
        .toFixed(2)
        .padStart(7)} µs per CONNECT hook  ${s.label}`,
    );
  });
  if (sides.length === 2)
    console.log(
      `ratio (calls/s this/other): ${(median(times[1] ?? []) / median(times[0] ?? [])).toFixed(3)} (median of ${ROUNDS} rounds)`,
    );
} finally {
  for (const b of built) b.close();
}
