#!/usr/bin/env bun
// @peculiar/x509 (via tsyringe) needs the Reflect polyfill before any of its modules
// evaluate; in a minified compiled binary only the entry point's first import is
// guaranteed to run first.
import "reflect-metadata";
import "./cli/plain-output.ts";
import { runCli } from "./cli/index.ts";

await runCli(process.argv.slice(2));
