// Where the bytes of an idle authenticated MQTT connection go:
// `bun bench/micro/idle-heap.ts [connections=5000] [--cold]`.
// Starts the gateway in this process (token auth on, a temp data dir), opens `connections`
// idle MQTT 3.1.1 connections with one key's token from a child process (keepalive 0), after
// 1,000 were opened and closed (warm; --cold: the first ones, as before 2026-12-07 21:30), and
// prints the JS heap (bun:jsc heapStats after a full GC) before and after: size, and the
// object types whose counts grew, per connection. RSS per connection is printed too (the
// JS heap is only part of it: sockets, TLS-less uSockets buffers, mimalloc pages).
// Per class and per object shape: idle-snapshot.ts; beside a bare Bun.listen: idle-floor.ts.
import { openIdleClients, rssKb, settle, startIdleGateway, warmUp } from "./idle-kit.ts";

const N = Number(process.argv[2] ?? 5000);
const gw = await startIdleGateway(N + 1000);
if (!process.argv.includes("--cold")) await warmUp(gw.port, gw.token);
const before = settle();
const rss0 = await rssKb();
const clients = await openIdleClients(gw.port, gw.token, N);
console.log(`clients: ${clients.connected} connected`);
await Bun.sleep(1500);
const after = settle();
const rss1 = await rssKb();
const per = (x: number) => (x / N).toFixed(1);
console.log(
  `${N} idle authenticated connections: JS heap ${per(after.heapSize - before.heapSize)} B/conn (objects ${per(after.objectCount - before.objectCount)}/conn), RSS ${((rss1 - rss0) / N).toFixed(2)} KB/conn`,
);
console.log(
  `  of it: extra memory (outside JS cells, reported by natives) ${per(after.extraMemorySize - before.extraMemorySize)} B/conn; heap capacity ${per(after.heapCapacity - before.heapCapacity)} B/conn`,
);
const grew = Object.entries(after.objectTypeCounts)
  .map(([k, v]) => [k, v - (before.objectTypeCounts[k] ?? 0)] as const)
  .filter(([, d]) => d >= N / 2)
  .sort((a, b) => b[1] - a[1]);
for (const [k, d] of grew) console.log(`  ${k.padEnd(32)} +${d} (${per(d)}/conn)`);
await clients.stop();
await gw.stop();
