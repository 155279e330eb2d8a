#!/usr/bin/env bun
// @peculiar/x509's Reflect polyfill loads with it, on first use (src/pki/x509-load.ts).
if (process.env.NEO_QUERY_DB) {
  // started by the query pool as a query process (src/query/child.ts)
  const { runQueryChild } = await import("./query/child.ts");
  runQueryChild();
} else {
  await import("./cli/plain-output.ts");
  const argv = process.argv.slice(2);
  // `neo serve` straight to its command, not through the whole command tree (src/cli/serve-direct.ts)
  if (argv[0] === "serve" && !argv.includes("--help") && !argv.includes("-h")) {
    const { serveDirect } = await import("./cli/serve-direct.ts");
    await serveDirect(argv.slice(1));
  } else {
    const { runCli } = await import("./cli/index.ts");
    await runCli(argv);
  }
}
export {};
