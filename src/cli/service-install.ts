// `neo service install|uninstall`: put the binary, the systemd unit, the system user and
// /etc/neo/neo.conf in place (or take them away). `--root DIR` prefixes every path so
// tests can run the whole thing in a temp dir; under --root no user is created or
// removed, nothing is chowned and systemctl is never called.
import { chownSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import unitTemplate from "../../systemd/neo.service" with { type: "text" };
import { NeoError, usageError } from "../lib/errors.ts";
import { copyFileAtomic, writeFileAtomic } from "../lib/files.ts";

const UNIT_PATH = "/etc/systemd/system/neo.service";
const STATE_DIR = "/var/lib/neo";
export const ENABLE_HINT = "systemctl daemon-reload && systemctl enable --now neo";

export interface ServiceOptions {
  /** prefix for every path; "" or "/" = the real system */
  root: string;
  user: string;
  /** absolute path of the config file the unit passes to `neo serve` */
  config: string;
  /** absolute path the binary is installed to */
  bin: string;
  /** the running executable to copy to `bin`; null when running from source */
  self: string | null;
  /** receives one line per action */
  out: (line: string) => void;
  /** runs a system command (id, useradd, systemctl...); injectable for tests */
  run?: (cmd: string[]) => RunResult;
}

/** The systemd unit for these options: the shipped unit with user, binary and config substituted. */
interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function renderUnit(opts: Pick<ServiceOptions, "user" | "config" | "bin">): string {
  return unitTemplate
    .replace(/^ExecStart=.*$/m, `ExecStart=${opts.bin} serve --config ${opts.config}`)
    .replace(/^User=.*$/m, `User=${opts.user}`)
    .replace(/^Group=.*$/m, `Group=${opts.user}`);
}

/** The config written on install: the commented default with Data pointing at /var/lib/neo. */
export async function serviceConfigText(): Promise<string> {
  const dataLine = `Data = "${STATE_DIR}"`;
  const base = await defaultConfigTextOrNull();
  if (base === null) return `# neo configuration (see \`neo config init\` for every option)\n${dataLine}\n`;
  const dataRe = /^[ \t]*(#|\/\/)?[ \t]*Data[ \t]*=.*$/m;
  return dataRe.test(base) ? base.replace(dataRe, dataLine) : `${dataLine}\n\n${base}`;
}

async function defaultConfigTextOrNull(): Promise<string | null> {
  let mod: Record<string, unknown>;
  try {
    mod = await import("../config/index.ts");
  } catch (e) {
    // only "the config module is not there" falls back; any other failure is real
    if (
      e instanceof Error &&
      /Cannot find module|ERR_MODULE_NOT_FOUND/.test(`${(e as { code?: string }).code} ${e.message}`)
    )
      return null;
    throw e;
  }
  const fn = mod.defaultConfigText;
  return typeof fn === "function" ? String(fn()) : null;
}

function validate(opts: ServiceOptions): void {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(opts.user)) throw usageError(`invalid user name "${opts.user}"`);
  for (const [flag, p] of [
    ["--bin", opts.bin],
    ["--config", opts.config],
  ] as const) {
    if (!isAbsolute(p) || /\s/.test(p)) throw usageError(`${flag} must be an absolute path without spaces, got "${p}"`);
  }
}

function requireRootUnlessPrefixed(opts: ServiceOptions, what: string): void {
  if (isPrefixed(opts)) return;
  if (process.getuid?.() !== 0) {
    throw new NeoError("not_root", `neo service ${what} must run as root (try: sudo neo service ${what})`, 403);
  }
}

const isPrefixed = (opts: ServiceOptions) => opts.root !== "" && opts.root !== "/";
const at = (opts: ServiceOptions, p: string) => (isPrefixed(opts) ? join(opts.root, p) : p);

function defaultRun(cmd: string[]): RunResult {
  try {
    const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
    return { code: r.exitCode ?? 1, stdout: r.stdout.toString().trim(), stderr: r.stderr.toString().trim() };
  } catch (e) {
    // the program is not installed: report it like a failed command
    return { code: 127, stdout: "", stderr: e instanceof Error ? e.message : String(e) };
  }
}

/** Write `text` to `file` atomically and durably with `mode`, creating its folder. */
function writeAtomic(file: string, text: string | Uint8Array, mode: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, text, mode);
}

export async function installService(opts: ServiceOptions): Promise<void> {
  validate(opts);
  requireRootUnlessPrefixed(opts, "install");
  const run = opts.run ?? defaultRun;
  const out = opts.out;

  // 1. binary
  const bin = at(opts, opts.bin);
  if (opts.self === null) {
    if (!existsSync(bin)) {
      throw new NeoError(
        "binary_missing",
        `no neo binary at ${bin}: run the compiled binary (bun run build, then dist/neo service install) or copy it there first`,
        400,
      );
    }
    out(`binary: using existing ${bin}`);
  } else if (existsSync(bin) && realpathSync(bin) === realpathSync(opts.self)) {
    out(`binary: ${bin} is the running binary`);
  } else if (existsSync(bin) && sameFileContent(bin, opts.self)) {
    out(`binary: ${bin} up to date`);
  } else {
    mkdirSync(dirname(bin), { recursive: true });
    copyFileAtomic(opts.self, bin, 0o755);
    out(`binary: installed ${opts.self} -> ${bin}`);
  }

  // 2. system user
  let ids: { uid: number; gid: number } | null = null;
  if (isPrefixed(opts)) {
    out(`user: skipped (--root)`);
  } else {
    ids = lookupUser(opts.user, run);
    if (ids === null) {
      const r = run([
        "useradd",
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        STATE_DIR,
        "--shell",
        "/usr/sbin/nologin",
        opts.user,
      ]);
      if (r.code !== 0)
        throw new NeoError("useradd_failed", `useradd ${opts.user} failed: ${r.stderr || `exit ${r.code}`}`, 500);
      ids = lookupUser(opts.user, run);
      out(`user: created system user ${opts.user}`);
    } else {
      out(`user: ${opts.user} exists`);
    }
  }

  // 3. unit
  const unitFile = at(opts, UNIT_PATH);
  const unit = renderUnit(opts);
  const previous = existsSync(unitFile) ? readFileSync(unitFile, "utf8") : null;
  if (previous === unit) {
    out(`unit: ${unitFile} up to date`);
  } else {
    writeAtomic(unitFile, unit, 0o644);
    out(`unit: ${previous === null ? "wrote" : "updated"} ${unitFile}`);
  }

  // 4. config (never overwritten: it is the operator's file)
  const confFile = at(opts, opts.config);
  if (existsSync(confFile)) {
    out(`config: kept existing ${confFile}`);
  } else {
    mkdirSync(dirname(confFile), { recursive: true, mode: 0o755 });
    writeAtomic(confFile, await serviceConfigText(), 0o640);
    // root owns it, the service's group may read it
    if (ids) chownSync(confFile, 0, ids.gid);
    out(`config: wrote ${confFile} (Data = "${STATE_DIR}")`);
  }

  out(`next: ${ENABLE_HINT}`);
}

export interface UninstallOptions extends ServiceOptions {
  purge: boolean;
}

export async function uninstallService(opts: UninstallOptions): Promise<void> {
  validate(opts);
  requireRootUnlessPrefixed(opts, "uninstall");
  const run = opts.run ?? defaultRun;
  const out = opts.out;
  const unitFile = at(opts, UNIT_PATH);

  if (!isPrefixed(opts) && existsSync(unitFile)) {
    const r = run(["systemctl", "disable", "--now", "neo"]);
    out(
      r.code === 0
        ? "service: stopped and disabled"
        : `service: systemctl disable --now neo failed (${r.stderr || `exit ${r.code}`}); continuing`,
    );
  }
  if (existsSync(unitFile)) {
    rmSync(unitFile);
    out(`unit: removed ${unitFile}`);
  } else {
    out(`unit: ${unitFile} not present`);
  }
  if (!isPrefixed(opts)) {
    const r = run(["systemctl", "daemon-reload"]);
    if (r.code !== 0) out(`service: systemctl daemon-reload failed (${r.stderr || `exit ${r.code}`})`);
  }

  const confDir = at(opts, dirname(opts.config));
  const dataDir = at(opts, STATE_DIR);
  const bin = at(opts, opts.bin);
  if (!opts.purge) {
    out(`kept: ${confDir}, ${dataDir}, ${bin}, user ${opts.user} (remove them with --purge)`);
    return;
  }
  for (const p of [confDir, dataDir, bin]) {
    if (existsSync(p)) {
      rmSync(p, { recursive: true, force: true });
      out(`purge: removed ${p}`);
    }
  }
  if (isPrefixed(opts)) {
    out(`user: skipped (--root)`);
  } else if (lookupUser(opts.user, run) !== null) {
    const r = run(["userdel", opts.user]);
    out(
      r.code === 0
        ? `purge: removed user ${opts.user}`
        : `purge: userdel ${opts.user} failed (${r.stderr || `exit ${r.code}`})`,
    );
  }
}

function sameFileContent(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  return Buffer.compare(readFileSync(a), readFileSync(b)) === 0;
}

/** uid/gid of a local user, or null if there is none. */
function lookupUser(user: string, run: (cmd: string[]) => RunResult): { uid: number; gid: number } | null {
  const u = run(["id", "-u", user]);
  const g = run(["id", "-g", user]);
  if (u.code !== 0 || g.code !== 0) return null;
  const uid = Number(u.stdout);
  const gid = Number(g.stdout);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
}
