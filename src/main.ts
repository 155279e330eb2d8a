#!/usr/bin/env bun
// @peculiar/x509 (via tsyringe) needs the Reflect polyfill before any of its modules
// evaluate; in a minified compiled binary only the entry point's first import is
// guaranteed to run first.
import "reflect-metadata";

if (process.env.NEO_QUERY_DB) {
  // started by the query pool as a query process (src/query/child.ts)
  const { runQueryChild } = await import("./query/child.ts");
  runQueryChild();
} else {
  await import("./cli/plain-output.ts");
  const { runCli } = await import("./cli/index.ts");
  await runCli(process.argv.slice(2));
}
