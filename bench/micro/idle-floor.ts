// What an idle MQTT connection costs Bun 1.4 itself, and what neo adds:
// `bun bench/micro/idle-floor.ts [connections=5000,18000] [rounds=1] [--settled] [--node-net]`.
// Three servers, each in a fresh process, driven by the same client as idle-heap.ts
// (idle-heap-clients.ts: MQTT 3.1.1 CONNECT, keepalive 0, from a child process):
//   bare    Bun.listen that answers a CONNECT with a fixed CONNACK and keeps nothing
//   object  the same, with one small object per socket as its data ({ n, at })
//   neo     the gateway (idle-kit.ts: token auth on, one key; every CONNECT identified)
//   node-net  (--node-net) the bare server on node:net's createServer instead of Bun.listen
// Each server first serves 1,000 connections that then close (warm, as bench/run.ts's
// idle-50k), then its RSS once it held still is the baseline; then `connections` idle
// ones: RSS per connection (KB) and JS heap per connection (B, after a full GC).
// Rounds alternate the servers (bare, object, neo, bare, ...). The open-files limit caps
// the count (both processes hold one descriptor per connection). With --settled, neo is
// measured again once the audit trail's minute of those CONNECTs has ended (idle-kit.ts
// pastAuditMinute: what an idle connection keeps for good): the "neo settled" line.
import { type AddressInfo, createServer, type Socket } from "node:net";
import { openIdleClients, pastAuditMinute, settle, startIdleGateway, stillRssKb, warmUp } from "./idle-kit.ts";

const KINDS = ["bare", "object", "neo"] as const;
/** `node-net`: the bare server on node:net instead of Bun.listen (only when asked: --node-net) */
type Kind = (typeof KINDS)[number] | "node-net" | "neo settled";
const SETTLED = process.argv.includes("--settled");
const NODE_NET = process.argv.includes("--node-net");
const CONNACK = new Uint8Array([0x20, 2, 0, 0]);

interface Figures {
  kind: Kind;
  n: number;
  rssKbPerConn: number;
  heapBPerConn: number;
  objectsPerConn: number;
}

/** child: one server, warm-up, baseline, `n` idle connections; prints its figures as JSON */
async function child(kind: Kind, n: number): Promise<void> {
  let port: number;
  let token = "";
  let stop: () => Promise<void> | void;
  if (kind === "neo") {
    const gw = await startIdleGateway(n + 1000);
    port = gw.port;
    token = gw.token;
    stop = gw.stop;
  } else if (kind === "node-net") {
    const sockets = new Set<Socket>();
    const srv = createServer((s) => {
      sockets.add(s);
      s.on("data", (d) => {
        if (d[0] === 0x10) s.write(CONNACK);
      });
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    port = (srv.address() as AddressInfo).port;
    stop = () => {
      for (const s of sockets) s.destroy();
      srv.close();
    };
  } else {
    const keep = kind === "object";
    const l = Bun.listen<{ n: number; at: number } | undefined>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          if (keep) s.data = { n: 0, at: Date.now() };
        },
        data(s, d) {
          if (d[0] === 0x10) s.write(CONNACK);
        },
      },
    });
    port = l.port;
    stop = () => l.stop(true);
  }
  await warmUp(port, token);
  const h0 = settle();
  const rss0 = await stillRssKb();
  const clients = await openIdleClients(port, token, n);
  await Bun.sleep(500);
  const h1 = settle();
  const rss1 = await stillRssKb();
  const figures = (k: Kind, h: typeof h1, rss: number): Figures => ({
    kind: k,
    n,
    rssKbPerConn: (rss - rss0) / n,
    heapBPerConn: (h.heapSize - h0.heapSize) / n,
    objectsPerConn: (h.objectCount - h0.objectCount) / n,
  });
  console.log(JSON.stringify(figures(kind, h1, rss1)));
  if (kind === "neo" && SETTLED) {
    await pastAuditMinute();
    const h2 = settle();
    console.log(JSON.stringify(figures("neo settled", h2, await stillRssKb())));
  }
  await clients.stop();
  await stop();
}

async function parent(counts: number[], rounds: number): Promise<void> {
  const rows: Figures[] = [];
  for (const n of counts)
    for (let r = 0; r < rounds; r++)
      for (const kind of NODE_NET ? [...KINDS, "node-net" as const] : KINDS) {
        const p = Bun.spawn(["bun", import.meta.path, "--child", kind, String(n), ...(SETTLED ? ["--settled"] : [])], {
          stdout: "pipe",
          stderr: "inherit",
        });
        const out = await new Response(p.stdout).text();
        if ((await p.exited) !== 0) throw new Error(`${kind} at ${n}: exited ${p.exitCode}`);
        for (const line of out
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("{"))) {
          const f = JSON.parse(line) as Figures;
          rows.push(f);
          console.log(
            `${f.kind.padEnd(11)} ${String(n).padStart(6)} conns: RSS ${f.rssKbPerConn.toFixed(2)} KB/conn, JS heap ${f.heapBPerConn.toFixed(0)} B/conn (${f.objectsPerConn.toFixed(1)} objects)`,
          );
        }
      }
  console.log("\nmedian per count (RSS KB/conn | JS heap B/conn):");
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  for (const n of counts) {
    const kinds: Kind[] = [
      ...KINDS,
      ...(NODE_NET ? ["node-net" as const] : []),
      ...(SETTLED ? ["neo settled" as const] : []),
    ];
    const line = kinds.map((k) => {
      const mine = rows.filter((r) => r.kind === k && r.n === n);
      return `${k} ${med(mine.map((r) => r.rssKbPerConn)).toFixed(2)} KB | ${med(mine.map((r) => r.heapBPerConn)).toFixed(0)} B`;
    });
    console.log(`  ${String(n).padStart(6)}: ${line.join("   ")}`);
  }
}

if (process.argv[2] === "--child") await child(process.argv[3] as Kind, Number(process.argv[4]));
else {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  await parent((args[0] ?? "5000,18000").split(",").map(Number), Number(args[1] ?? 1));
}
