import { describe, expect, test } from "bun:test";
import type { ListenConfig, ResolvedListener } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import { createListenerSet } from "./listener-set.ts";

type Block = { name: string; transport: "a" | "b"; listen: ListenConfig; enableTokenAuth?: boolean };
interface Svc {
  listen: ListenConfig;
  tls: { enabled: boolean; clientAuth: string };
  listeners?: Block[];
}
type Rules = ResolvedListener<"a" | "b">;
interface Fake {
  id: number;
  name: string;
  port: number;
  stopped?: "retired" | "removed";
}

const log = createLogger("test");
const at = (port: number) => ({ host: "127.0.0.1", port });
const svc = (...ls: Block[]): Svc => ({ listen: at(1), tls: { enabled: false, clientAuth: "none" }, listeners: ls });

function fakes(failOn?: (r: Rules) => boolean) {
  let n = 0;
  const all: Fake[] = [];
  const set = createListenerSet<Block, Svc, Rules, Fake>({
    what: "TEST",
    resolve: (s) =>
      (s.listeners ?? []).map((l) => ({
        ...l,
        enableTokenAuth: l.enableTokenAuth ?? false,
        clientAuth: "none",
        named: true,
      })),
    secure: (l) => l.transport === "b",
    start: async (_s, r) => {
      if (failOn?.(r)) throw new Error("cannot bind");
      const f = { id: ++n, name: r.name, port: r.listen.port };
      all.push(f);
      return f;
    },
    retire: (x) => (x.stopped = "retired"),
    remove: (x) => (x.stopped = "removed"),
    describe: (x) => `fake#${x.id}`,
  });
  return { set, all };
}

describe("listener set reconcile", () => {
  const one: Block = { name: "one", transport: "a", listen: at(1001) };
  const two: Block = { name: "two", transport: "a", listen: at(1002) };

  test("a new block starts, a removed one is removed, an unchanged one keeps its listener", async () => {
    const { set, all } = fakes();
    await set.startAll(svc(one, two));
    const r = await set.reconcile(svc(one, two), svc(one, { ...two, name: "three", listen: at(1003) }), log);
    expect(r.failed).toEqual([]);
    expect(r.done).toEqual(['TEST listener "three" fake#3', 'TEST listener "two" removed']);
    expect(all.map((f) => [f.name, f.stopped])).toEqual([
      ["one", undefined],
      ["two", "removed"],
      ["three", undefined],
    ]);
    expect([...set.running.keys()]).toEqual(["one", "three"]);
  });

  test("a rule that is no socket setting keeps the socket and is reported; a transport change swaps it", async () => {
    const { set, all } = fakes();
    await set.startAll(svc(one));
    const rules = await set.reconcile(svc(one), svc({ ...one, enableTokenAuth: true }), log);
    expect(rules.done).toEqual(['TEST listener "one" rules']);
    expect(all).toHaveLength(1);
    const swapped = await set.reconcile(svc({ ...one, enableTokenAuth: true }), svc({ ...one, transport: "b" }), log);
    expect(swapped.done).toEqual(['TEST listener "one" fake#2']);
    expect(all[0]?.stopped).toBe("retired");
    expect(set.running.get("one")?.rules.transport).toBe("b");
  });

  test("a listener renamed on the same address is started anew under its new name (its connections carry the name)", async () => {
    const { set, all } = fakes();
    await set.startAll(svc(one));
    const r = await set.reconcile(svc(one), svc({ ...one, name: "uno" }), log);
    expect(r.done).toEqual(['TEST listener "uno" fake#2']);
    expect(all.map((f) => [f.name, f.stopped])).toEqual([
      ["one", "retired"],
      ["uno", undefined],
    ]);
  });

  test("a listener that cannot start keeps the old one, and the settings that run say so", async () => {
    const { set } = fakes((r) => r.listen.port === 1009);
    await set.startAll(svc(one));
    const next = svc({ ...one, listen: at(1009) });
    const r = await set.reconcile(svc(one), next, log);
    expect(r.failed).toEqual(['TEST listener "one" (kept the old settings)']);
    expect(set.running.get("one")?.listener.port).toBe(1001);
    expect(set.runningSettings(svc(one), next).listeners).toEqual([one]);
  });
});
