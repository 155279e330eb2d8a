// What this neo is: version, commit, build date, Bun version and compile target.
// A compiled binary gets the first four baked in by build.ts through `define`
// (NEO_BUILD_*); run from source they come from package.json and git instead.
import pkg from "../../package.json" with { type: "json" };

declare const NEO_BUILD_VERSION: string;
declare const NEO_BUILD_COMMIT: string;
declare const NEO_BUILD_DATE: string;
declare const NEO_BUILD_TARGET: string;

export interface BuildInfo {
  version: string;
  /** short git hash, "unknown" outside a git checkout */
  commit: string;
  /** ISO 8601 build time, "dev" when run from source */
  buildDate: string;
  /** Bun runtime version (Bun.version) */
  bun: string;
  /** compile target, e.g. "bun-linux-arm64"; "source (linux-x64)" when run from source */
  target: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  cached ??= typeof NEO_BUILD_VERSION === "string" ? compiledInfo() : sourceInfo();
  return cached;
}

function compiledInfo(): BuildInfo {
  return {
    version: NEO_BUILD_VERSION,
    commit: typeof NEO_BUILD_COMMIT === "string" ? NEO_BUILD_COMMIT : "unknown",
    buildDate: typeof NEO_BUILD_DATE === "string" ? NEO_BUILD_DATE : "unknown",
    bun: Bun.version,
    target: typeof NEO_BUILD_TARGET === "string" ? NEO_BUILD_TARGET : hostTarget(),
  };
}

function sourceInfo(): BuildInfo {
  return {
    version: pkg.version,
    commit: gitCommit(import.meta.dir),
    buildDate: "dev",
    bun: Bun.version,
    target: `source (${process.platform}-${process.arch})`,
  };
}

/** The Bun compile target naming the machine we run on, e.g. "bun-linux-x64". */
export function hostTarget(): string {
  return `bun-${process.platform}-${process.arch}`;
}

/** Short hash of HEAD for the checkout containing `dir`, or "unknown". */
export function gitCommit(dir: string): string {
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: dir, stdout: "pipe", stderr: "ignore" });
    const out = r.stdout.toString().trim();
    return r.exitCode === 0 && /^[0-9a-f]{4,40}$/.test(out) ? out : "unknown";
  } catch {
    // git not installed: same answer as outside a checkout
    return "unknown";
  }
}
