// What loading one module costs a fresh process: resident memory and time, the figures
// source comments used to carry (they go stale; this program gives the current ones).
//   bun bench/micro/module-cost.ts [runs]   -> one line per module: median RSS delta and load time
// Each measurement is its own `bun` process: baseline RSS after GC, import, GC, RSS again.
const MODULES: Record<string, string> = {
  "node:crypto": 'await import("node:crypto").then((m) => m.createHash("sha256"))',
  "node:zlib (gzip)": 'await import("node:zlib").then((m) => m.gunzipSync(m.gzipSync("x")))',
  "@peculiar/x509 (+ reflect-metadata)": 'await import("reflect-metadata"); await import("@peculiar/x509")',
  "bun:sqlite": 'await import("bun:sqlite").then((m) => new m.Database(":memory:").close())',
  "mqtt-packet parser": 'await import("mqtt-packet").then((m) => m.parser({ protocolVersion: 4 }))',
  // what gRPC's start loads since the protos are parsed at build time (src/grpc/protos.ts)
  "@grpc/grpc-js + protobufjs/light (gRPC)": 'await import("@grpc/grpc-js"); await import("protobufjs/light")',
  "@grpc/proto-loader + protobufjs (before: the protos parsed at start)": 'await import("@grpc/proto-loader")',
  "src/grpc (the gRPC adapter, protos loaded)": 'await import("./src/grpc/index.ts")',
  "src/coap (the CoAP adapter)": 'await import("./src/coap/index.ts")',
  "src/export (PostgreSQL export)": 'await import("./src/export/index.ts")',
};

const runs = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function once(code: string): Promise<{ mb: number; ms: number }> {
  const script = `Bun.gc(true); const r0 = process.memoryUsage.rss(); const t0 = performance.now();
${code};
const ms = performance.now() - t0; Bun.gc(true);
console.log(JSON.stringify({ mb: (process.memoryUsage.rss() - r0) / 1048576, ms }));`;
  const p = Bun.spawn([process.execPath, "-e", script], { cwd: `${import.meta.dir}/../..`, stdout: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim()) as { mb: number; ms: number };
}

for (const [name, code] of Object.entries(MODULES)) {
  const mb: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(code);
    mb.push(r.mb);
    ms.push(r.ms);
  }
  console.log(`${name}: +${median(mb).toFixed(1)} MB RSS, ${median(ms).toFixed(1)} ms to load (median of ${runs})`);
}
