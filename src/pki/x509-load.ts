// Loading @peculiar/x509 on first use. The Reflect polyfill tsyringe needs is loaded first,
// as a module of its own: in the compiled binary's chunks the library's module code could
// otherwise run before x509.ts's own `import "reflect-metadata"` (main.ts imported it at
// every start before, ~0.5-1 ms of each: bench/RESULTS.md "Start: the first CONNACK").
export async function loadX509(): Promise<typeof import("./x509.ts")> {
  await import("reflect-metadata");
  return await import("./x509.ts");
}
