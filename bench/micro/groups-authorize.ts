// What SuperMQ groups add to a decision: `bun bench/micro/groups-authorize.ts [count]`.
// authorize(channels:publish) for a PAT-like principal, in the same run: (a) a direct scope
// on the channel with no entity facts installed (before groups), (b) the same with the
// facts installed (the disabled-channel check: one cached map lookup), (c) a scope naming
// the channel's group (cached facts), (d) the group scope with the cache dropped before
// every call (the SQLite lookup in registry.db: what the first message after a change pays).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authorize, dropEntityFacts, installEntityFacts, makePrincipal } from "../../src/auth/index.ts";
import { setLogLevel } from "../../src/lib/log.ts";
import { openGroups } from "../../src/registry/index.ts";
import { openRegistryDb } from "../../src/registry/db.ts";
import { DEFAULT_DOMAIN_ID } from "../../src/lib/domain-id.ts";

setLogLevel("warn");
const n = Number(process.argv[2] ?? 2_000_000);
const dir = mkdtempSync(join(tmpdir(), "neo-bench-groups-"));
const db = openRegistryDb(dir);
db.exec("INSERT INTO channels (id, table_name, created_at) VALUES ('ch-1', 'CH_1', 0)");
db.close();
const groups = openGroups(dir);
const top = groups.create({ name: "plant", domainId: DEFAULT_DOMAIN_ID }, "bench");
const line = groups.create({ name: "line", domainId: DEFAULT_DOMAIN_ID, parentId: top.id }, "bench");
groups.assign("channel", "ch-1", line.id);

const direct = makePrincipal("user:ci", "user", ["channels:publish:ch-1", "tables:read:*"]);
const byGroup = makePrincipal("user:ci", "user", [`channels:publish:${top.id}`, "tables:read:*"]);

function time(label: string, count: number, f: () => boolean) {
  for (let i = 0; i < 1000; i++) f(); // warm
  const t0 = Bun.nanoseconds();
  let yes = 0;
  for (let i = 0; i < count; i++) if (f()) yes++;
  const ns = (Bun.nanoseconds() - t0) / count;
  if (yes !== count) throw new Error(`${label}: ${count - yes} refusals`);
  console.log(`${label.padEnd(58)} ${ns.toFixed(0).padStart(6)} ns/call`);
}

const lookup = (kind: "channel" | "client" | "group" | "table", id: string) =>
  kind === "table" ? { groups: [], disabled: false } : groups.facts(kind, id);
// two rounds, (a) and (b) alternated, so neither gets the JIT's warm-up alone
for (const round of [1, 2]) {
  const pub = (p: typeof direct) => () => authorize(p, "channels:publish", "ch-1").allow;
  time(`(a) direct scope, no entity facts installed [${round}]`, n, pub(direct));
  const uninstall = installEntityFacts(lookup);
  time(`(b) direct scope, facts installed (cached) [${round}]`, n, pub(direct));
  time(`(c) scope naming the channel's parent group (cached) [${round}]`, n, pub(byGroup));
  time(`(d) the same, cache dropped before each call [${round}]`, Math.min(n, 50_000), () => {
    dropEntityFacts();
    return pub(byGroup)();
  });
  uninstall();
}
groups.close();
rmSync(dir, { recursive: true, force: true });
