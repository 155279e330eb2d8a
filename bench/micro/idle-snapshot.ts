// A heap snapshot diff of idle authenticated MQTT connections:
// `bun bench/micro/idle-snapshot.ts [connections=5000] [--settled] [--all]`.
// The gateway runs in this process (idle-kit.ts: token auth on, one key; warm: 1,000
// connections opened and closed first, so code compiled on the first CONNECT is not counted); a JSC heap
// snapshot (Bun.generateHeapSnapshot) is taken after a full GC before and after the
// connections are open. Each cell is put in a group: its class, for plain objects their
// property names, and what holds it (the class and property of the first edge to it). The
// groups that grew by at least half a cell per connection are printed per connection: cells
// and bytes as the snapshot sizes them (JSC's estimatedSize: the cell and what it says it
// owns; a Map's hash table and an object's out-of-line storage are not always in it, so the
// sum is below heapStats' total, which is printed too).
// With --settled, a third snapshot once the audit minute of those CONNECTs has ended shows what
// an idle connection keeps only for that minute.
import { openIdleClients, pastAuditMinute, settle, startIdleGateway, warmUp } from "./idle-kit.ts";

const N = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 5000);
/** --settled: a third snapshot once the audit minute of those CONNECTs ended, and what went away by then */
const SETTLED = process.argv.includes("--settled");
/** --all: every group that grew by 0.002 cells per connection (one-off costs too: compiled code), not only half a cell */
const MIN_CELLS = process.argv.includes("--all") ? 0.002 : 0.5;

interface Snapshot {
  nodes: number[];
  nodeClassNames: string[];
  edges: number[];
  edgeTypes: string[];
  edgeNames: string[];
}

interface Group {
  cells: number;
  bytes: number;
}

/** cells per group: "Class{props} <- Holder.edge" */
function groups(): { heap: ReturnType<typeof settle>; cells: Map<string, Group> } {
  const heap = settle();
  const s = Bun.generateHeapSnapshot() as unknown as Snapshot;
  const { nodes, edges, nodeClassNames: cls, edgeTypes, edgeNames } = s;
  const index = new Map<number, number>(); // node id -> offset in nodes
  for (let i = 0; i < nodes.length; i += 4) index.set(nodes[i] as number, i);
  const props = new Map<number, string[]>(); // plain objects: their property names
  const holder = new Map<number, string>(); // the first edge into a cell
  for (let i = 0; i < edges.length; i += 4) {
    const from = edges[i] as number;
    const to = edges[i + 1] as number;
    const type = edges[i + 2] as number;
    const data = edges[i + 3] as number;
    const kind = edgeTypes[type];
    const name =
      kind === "Property" || kind === "Variable" ? (edgeNames[data] as string) : kind === "Index" ? "[]" : "";
    const fromAt = index.get(from);
    const fromCls = fromAt === undefined ? "?" : (cls[nodes[fromAt + 2] as number] as string);
    if (kind === "Property" && fromCls === "Object") {
      const list = props.get(from) ?? [];
      list.push(name);
      props.set(from, list);
    }
    if (!holder.has(to) && fromCls !== "<root>") holder.set(to, name ? `${fromCls}.${name}` : fromCls);
  }
  const out = new Map<string, Group>();
  for (let i = 0; i < nodes.length; i += 4) {
    const id = nodes[i] as number;
    const c = cls[nodes[i + 2] as number] as string;
    const p = c === "Object" ? `{${(props.get(id) ?? []).sort().join(",")}}` : "";
    const key = `${c}${p} <- ${holder.get(id) ?? "root"}`;
    const g = out.get(key) ?? { cells: 0, bytes: 0 };
    g.cells++;
    g.bytes += nodes[i + 1] as number;
    out.set(key, g);
  }
  return { heap, cells: out };
}

const gw = await startIdleGateway(N + 1000);
await warmUp(gw.port, gw.token);
const { heap: heap0, cells: before } = groups();
const clients = await openIdleClients(gw.port, gw.token, N);
await Bun.sleep(1500);
const { heap: heap1, cells: after } = groups();

/** the groups that changed by at least half a cell per connection from `a` to `b`, largest first */
function print(title: string, a: Map<string, Group>, b: Map<string, Group>, sign: 1 | -1): void {
  const rows = [...new Set([...a.keys(), ...b.keys()])]
    .map((k) => {
      const x = a.get(k) ?? { cells: 0, bytes: 0 };
      const y = b.get(k) ?? { cells: 0, bytes: 0 };
      return { k, cells: (sign * (y.cells - x.cells)) / N, bytes: (sign * (y.bytes - x.bytes)) / N };
    })
    .filter((r) => r.cells >= MIN_CELLS)
    .sort((p, q) => q.bytes - p.bytes);
  let cells = 0;
  let bytes = 0;
  console.log(title);
  for (const r of rows) {
    cells += r.cells;
    bytes += r.bytes;
    console.log(`  ${r.cells.toFixed(2).padStart(5)} ${r.bytes.toFixed(0).padStart(5)} B  ${r.k}`);
  }
  console.log(`  groups above: ${cells.toFixed(1)} cells, ${bytes.toFixed(0)} B`);
}

const perConn = (x: ReturnType<typeof settle>, y: ReturnType<typeof settle>) =>
  `heapStats: ${((y.heapSize - x.heapSize) / N).toFixed(0)} B, ${((y.objectCount - x.objectCount) / N).toFixed(1)} objects per connection`;
print(`${N} idle authenticated connections, per connection (cells, snapshot bytes):`, before, after, 1);
console.log(`  ${perConn(heap0, heap1)}`);
if (SETTLED) {
  await pastAuditMinute();
  const { heap: heap2, cells: settled } = groups();
  print("gone once the audit minute of those CONNECTs ended, per connection:", settled, after, 1);
  print("made since, per connection:", after, settled, 1);
  console.log(`  settled ${perConn(heap0, heap2)}`);
}
await clients.stop();
await gw.stop();
