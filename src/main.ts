#!/usr/bin/env bun
// @peculiar/x509's Reflect polyfill loads with it, on first use (src/pki/x509-load.ts).
if (process.env.NEO_QUERY_DB) {
  // started by the query pool as a query process (src/query/child.ts): it exists to run
  // queries, so the normal JIT policy at once (the binary starts with it raised, build.ts)
  Bun.unsafe.setJITPolicy(1);
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
    // a command that keeps the CPU busy gets the normal JIT policy back (lib/jit-policy.ts)
    const { jitWhenBusy } = await import("./lib/jit-policy.ts");
    jitWhenBusy(() => {});
    const { runCli } = await import("./cli/index.ts");
    await runCli(argv);
  }
}
export {};
