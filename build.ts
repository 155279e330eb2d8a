// `bun run build`: one self-contained executable per target.
//   dist/neo-linux-x64, dist/neo-linux-arm64, and dist/neo = the build for this machine.
// Steps: web UI first (ui/build.ts, when present), then Bun.build --compile per target
// with the build facts baked in through `define` (read back by src/lib/build-info.ts).
//
// Profile-guided bytecode layout (Bun's `--bytecode-order`): before the targets are built, a
// build for this machine is compiled and run the way users start it (scripts/bytecode-order.ts:
// `neo serve` with every feature on, one MQTT CONNECT, a clean exit; and `neo shell key gen`),
// and every target is then built with the functions those runs loaded laid out at the front of
// its bytecode: a start reads fewer of the binary's pages (bench/RESULTS.md "Session 8: start
// (startpgo)"). Recorded at each build rather than committed: a profile is ~17,000 hashes
// (~350 KB) that would go stale with every change, and recording costs ~3 s. One profile serves
// every target; a machine that cannot run a linux-x64/arm64 build, or a recording that fails,
// builds without one (a working binary that reads more of itself at start) and says so.
// The binary also starts with JavaScriptCore's tier-up thresholds x JIT_POLICY
// (`compile.jitPolicy`): run-once start code stays in the interpreter, and src/lib/jit-policy.ts
// sets the normal policy once the process is busy.
//
// Flags: --target x64|arm64 (repeatable; default both), --no-bytecode, --quiet,
//   --bytecode-order <file>[,<file>] (build with these profiles instead of recording),
//   --no-bytecode-order (neither), --jit-policy <n> (default JIT_POLICY; 1 = the normal policy).
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import type { BunPlugin } from "bun";
import pkg from "./package.json" with { type: "json" };
import { gitCommit } from "./src/lib/build-info.ts";
import { recordBytecodeOrder } from "./scripts/bytecode-order.ts";

type Arch = "x64" | "arm64";
const ROOT = import.meta.dir;
const DIST = join(ROOT, "dist");
const ENTRY = join(ROOT, "src/main.ts");
const WORKERS = { parse: join(ROOT, "src/ingest/parse-worker.ts") };
/** tier-up thresholds x this until src/lib/jit-policy.ts sets the normal policy (a busy process) */
const JIT_POLICY = 32;

/**
 * Folders embedded as assets (Bun `--asset`), reachable in the binary under
 * `join(import.meta.dir, <folder>)`. Files the UI module imports with
 * `{ type: "file" }` are embedded by the bundler itself and need no entry here.
 * A folder listed here but missing at build time is an error, not a silent skip.
 */
const ASSET_DIRS: string[] = webAssetDirs();

/**
 * mqtt-packet's parser uses `bl` only as a buffer list (append, length, readUInt*,
 * consume, slice, toString), but `bl`'s main module is a Duplex stream that drags all of
 * readable-stream (~170 KB of source, ~1 MB of bytecode) into the binary, and the whole
 * embedded bundle is resident at run time (~0.6 MB idle RSS). The binary gets bl's own
 * BufferList instead, which has every one of those methods; the round trip over MQTT is
 * covered by test/e2e/appliance.test.ts.
 */
const bufferListOnly: BunPlugin = {
  name: "mqtt-packet-bl-buffer-list",
  setup(build) {
    build.onResolve({ filter: /^bl$/ }, (args) =>
      args.importer.includes("/node_modules/mqtt-packet/")
        ? { path: Bun.resolveSync("bl/BufferList.js", dirname(args.importer)) }
        : undefined,
    );
  },
};

/**
 * mqtt-packet calls `debug(...)` on every parse and generate step (~30 calls per CONNECT).
 * Disabled, each call still allocates its rest-argument array and three scopes: ~120 heap
 * cells of garbage per CONNECT, most of the connect path's garbage and of the heap growth
 * a burst of connects leaves behind. `debug` reads DEBUG once, when it loads; so does this
 * stand-in: with DEBUG set at start the real module runs (DEBUG=mqtt-packet:* works as
 * before), without it mqtt-packet gets a no-op and the real module is never evaluated.
 */
const debugOnlyWhenAsked: BunPlugin = {
  name: "mqtt-packet-debug-when-asked",
  setup(build) {
    // the virtual module's path is the real module's, behind a prefix
    build.onResolve({ filter: /^debug$/ }, (args) =>
      args.importer.includes("/node_modules/mqtt-packet/")
        ? { path: `when-asked:${Bun.resolveSync("debug", dirname(args.importer))}`, namespace: "neo-debug" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "neo-debug" }, (args) => ({
      loader: "js",
      contents: [
        "const off = () => {};",
        "off.enabled = false;",
        `module.exports = process.env.DEBUG ? require(${JSON.stringify(args.path.slice("when-asked:".length))}) : function createDebug() { return off; };`,
      ].join("\n"),
    }));
  },
};

function webAssetDirs(): string[] {
  // src/web/assets-dir.txt (optional, one path per line, relative to the repo) lets the
  // web module ask for whole folders to be embedded without editing this file.
  const list = join(ROOT, "src/web/assets-dir.txt");
  if (!existsSync(list)) return [];
  return readFileSync(list, "utf8")
    .split("\n")
    .map((l: string) => l.trim())
    .filter((l: string) => l !== "" && !l.startsWith("#"));
}

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    target: { type: "string", multiple: true },
    "no-bytecode": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    "bytecode-order": { type: "string" },
    "no-bytecode-order": { type: "boolean", default: false },
    "jit-policy": { type: "string" },
  },
});

const say = (msg: string) => {
  if (!values.quiet) process.stderr.write(msg + "\n");
};

const hostArch: Arch | undefined =
  process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64") ? process.arch : undefined;
const targets: Arch[] = (values.target ?? ["x64", "arm64"]).map((t) => {
  if (t !== "x64" && t !== "arm64") throw new Error(`unknown --target ${t} (x64 or arm64)`);
  return t;
});
const bytecode = !values["no-bytecode"];
const jitPolicy = Number(values["jit-policy"] ?? JIT_POLICY);
if (!(jitPolicy >= 1)) throw new Error(`--jit-policy expects a number >= 1, got ${values["jit-policy"]}`);

await buildWeb();
mkdirSync(DIST, { recursive: true });

const facts = { version: pkg.version, commit: gitCommit(ROOT), date: new Date().toISOString() };
const order = await bytecodeOrder();
for (const arch of targets) await compile(arch, order, join(DIST, `neo-linux-${arch}`));

if (hostArch && targets.includes(hostArch)) {
  // copy then rename: dist/neo may be running right now (a copy in place gives ETXTBSY)
  const tmp = join(DIST, `.neo.tmp-${process.pid}`);
  copyFileSync(join(DIST, `neo-linux-${hostArch}`), tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, join(DIST, "neo"));
  say(`dist/neo = dist/neo-linux-${hostArch}`);
}

async function buildWeb(): Promise<void> {
  const webBuild = join(ROOT, "ui/build.ts");
  if (!existsSync(webBuild)) {
    say("ui/build.ts not found: building without the web UI step");
    return;
  }
  const t0 = performance.now();
  const p = Bun.spawnSync([process.execPath, webBuild], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (p.exitCode !== 0) throw new Error(`ui/build.ts failed with exit code ${p.exitCode}`);
  say(`web UI built in ${Math.round(performance.now() - t0)} ms`);
}

/** the profiles to lay the bytecode out by: given, recorded now, or none (said why) */
async function bytecodeOrder(): Promise<string[] | undefined> {
  if (!bytecode) return undefined;
  if (values["no-bytecode-order"]) {
    say("bytecode order: none (--no-bytecode-order)");
    return undefined;
  }
  if (values["bytecode-order"]) return values["bytecode-order"].split(",");
  const warn = (why: string) =>
    process.stderr.write(
      `build.ts: WARNING: no bytecode-order profile (${why}); building without one: the binary works, but a start reads more of it (more RSS, slower)\n`,
    );
  if (!hostArch) {
    warn(`this machine (${process.platform}-${process.arch}) cannot run a linux-x64/arm64 build to record one`);
    return undefined;
  }
  const t0 = performance.now();
  const probe = join(DIST, `.neo-record-${process.pid}`);
  const dir = join(DIST, "bytecode-order");
  mkdirSync(dir, { recursive: true });
  try {
    await compile(hostArch, undefined, probe);
    const files = await recordBytecodeOrder(probe, dir);
    say(`bytecode order: recorded in ${Math.round(performance.now() - t0)} ms (${files.join(", ")})`);
    return files;
  } catch (e) {
    warn(`recording failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  } finally {
    rmSync(probe, { force: true });
  }
}

async function compile(arch: Arch, order: string[] | undefined, final: string): Promise<void> {
  const target = `bun-linux-${arch}` as const;
  // compile next to it, then rename over it, so a running copy is never overwritten in place
  const outfile = `${final}.tmp-${process.pid}`;
  for (const dir of ASSET_DIRS) {
    if (!existsSync(join(ROOT, dir)))
      throw new Error(`asset folder ${dir} (from src/web/assets-dir.txt) does not exist`);
  }
  const t0 = performance.now();
  const result = await Bun.build({
    // Worker entry points are bundled beside the main one (Bun: workers in a compiled
    // executable must be listed); src/ingest/parse-async.ts starts this one
    entrypoints: [ENTRY, WORKERS.parse],
    target: "bun",
    format: "esm",
    minify: true,
    // each module a dynamic import() reaches (gRPC, CoAP, export, EST, x509, the shell's
    // commands, ...) is its own chunk, read and evaluated only when first imported: one
    // bundle made the binary deserialize all of it at every start (`neo version` 36 MB
    // RSS, 26 MB split; `neo serve` -5 MB 10 s after start; docs/performance.md)
    splitting: true,
    bytecode,
    sourcemap: "none",
    plugins: [bufferListOnly, debugOnlyWhenAsked],
    define: {
      NEO_BUILD_VERSION: JSON.stringify(facts.version),
      NEO_BUILD_COMMIT: JSON.stringify(facts.commit),
      NEO_BUILD_DATE: JSON.stringify(facts.date),
      NEO_BUILD_TARGET: JSON.stringify(target),
    },
    compile: {
      target,
      outfile,
      // a stray .env or bunfig.toml in the working directory must change nothing
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadTsconfig: false,
      autoloadPackageJson: false,
      // the functions a recorded start loaded, at the front of the bytecode (bytecodeOrder())
      bytecodeOrder: order ?? null,
      // run-once start code stays in the interpreter (src/lib/jit-policy.ts)
      jitPolicy,
      ...(ASSET_DIRS.length > 0 ? { assets: ASSET_DIRS.map((d) => join(ROOT, d)) } : {}),
    },
  });
  if (!result.success) {
    for (const log of result.logs) process.stderr.write(`${log}\n`);
    throw new Error(`compile for ${target} failed`);
  }
  renameSync(outfile, final);
  const mb = (statSync(final).size / 1e6).toFixed(1);
  const how = [bytecode && "bytecode", order && "bytecode order", jitPolicy !== 1 && `JIT policy ${jitPolicy}`];
  say(
    `${relative(ROOT, final)}: ${mb} MB, ${Math.round(performance.now() - t0)} ms, ${how.filter(Boolean).join(", ") || "no bytecode"}`,
  );
}
