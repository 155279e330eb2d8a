// A heap snapshot diff of idle authenticated MQTT connections:
// `bun bench/micro/idle-snapshot.ts [connections=5000]`.
// The gateway runs in this process (idle-kit.ts: token auth on, one key; warm: 1,000
// connections opened and closed first, so code compiled on the first CONNECT is not counted); a JSC heap
// snapshot (Bun.generateHeapSnapshot) is taken after a full GC before and after the
// connections are open. Each cell is put in a group: its class, for plain objects their
// property names, and what holds it (the class and property of the first edge to it). The
// groups that grew by at least half a cell per connection are printed per connection: cells
// and bytes as the snapshot sizes them (JSC's estimatedSize: the cell and what it says it
// owns; a Map's hash table and an object's out-of-line storage are not always in it, so the
// sum is below heapStats' total, which is printed too).
import { openIdleClients, settle, startIdleGateway, warmUp } from "./idle-kit.ts";

const N = Number(process.argv[2] ?? 5000);

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

const rows = [...after]
  .map(([k, g]) => {
    const b = before.get(k) ?? { cells: 0, bytes: 0 };
    return { k, cells: (g.cells - b.cells) / N, bytes: (g.bytes - b.bytes) / N };
  })
  .filter((r) => r.cells >= 0.5)
  .sort((a, b) => b.bytes - a.bytes);
let cells = 0;
let bytes = 0;
console.log(`${N} idle authenticated connections, per connection (cells, snapshot bytes):`);
for (const r of rows) {
  cells += r.cells;
  bytes += r.bytes;
  console.log(`  ${r.cells.toFixed(2).padStart(5)} ${r.bytes.toFixed(0).padStart(5)} B  ${r.k}`);
}
console.log(
  `  groups above: ${cells.toFixed(1)} cells, ${bytes.toFixed(0)} B; heapStats: ${((heap1.heapSize - heap0.heapSize) / N).toFixed(0)} B, ${((heap1.objectCount - heap0.objectCount) / N).toFixed(1)} objects per connection`,
);
await clients.stop();
await gw.stop();
