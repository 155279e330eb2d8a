#!/usr/bin/env bun
// @peculiar/x509's Reflect polyfill loads with it, on first use (src/pki/x509-load.ts).
if (process.env.NEO_QUERY_DB) {
  // started by the query pool as a query process (src/query/child.ts)
  const { runQueryChild } = await import("./query/child.ts");
  runQueryChild();
} else {
  await import("./cli/plain-output.ts");
  const { runCli } = await import("./cli/index.ts");
  await runCli(process.argv.slice(2));
}
export {};
