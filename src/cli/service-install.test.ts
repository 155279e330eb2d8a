import { afterEach, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import {
  ENABLE_HINT,
  installService,
  renderUnit,
  serviceConfigText,
  uninstallService,
  type ServiceOptions,
} from "./service-install.ts";

const REPO = join(import.meta.dir, "../..");
const shippedUnit = readFileSync(join(REPO, "systemd/neo.service"), "utf8");
const dirs: string[] = [];

function setup(): { root: string; self: string; lines: string[]; opts: ServiceOptions } {
  const root = mkdtempSync(join(tmpdir(), "neo-service-"));
  dirs.push(root);
  const self = join(root, "build/neo");
  mkdirSync(join(root, "build"));
  writeFileSync(self, "#!/bin/sh\necho fake neo\n");
  const lines: string[] = [];
  const opts: ServiceOptions = {
    root,
    user: "neo",
    config: "/etc/neo/neo.conf",
    bin: "/usr/local/bin/neo",
    self,
    out: (l) => lines.push(l),
  };
  return { root, self, lines, opts };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe("systemd unit", () => {
  test("the unit rendered with default options is byte for byte systemd/neo.service", () => {
    expect(renderUnit({ user: "neo", config: "/etc/neo/neo.conf", bin: "/usr/local/bin/neo" })).toBe(shippedUnit);
  });

  test("the unit keeps the required hardening and leaves MemoryDenyWriteExecute off for the JIT", () => {
    for (const line of [
      "ExecStart=/usr/local/bin/neo serve --config /etc/neo/neo.conf",
      "User=neo",
      "StateDirectory=neo",
      "Restart=on-failure",
      // never gives up (systemd's default start limit would), with a pause between starts
      "StartLimitIntervalSec=0",
      "RestartSec=5",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
      "AmbientCapabilities=",
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
      "SystemCallFilter=@system-service",
      "SystemCallArchitectures=native",
      "UMask=0077",
      "KillSignal=SIGTERM",
      "TimeoutStopSec=10",
      "LimitNOFILE=65536",
      "MemoryDenyWriteExecute=no",
    ]) {
      expect(shippedUnit.split("\n")).toContain(line);
    }
  });

  test("other user, binary and config paths are substituted into the unit", () => {
    const unit = renderUnit({ user: "gw", config: "/opt/gw/gw.conf", bin: "/opt/gw/neo" });
    expect(unit).toContain("ExecStart=/opt/gw/neo serve --config /opt/gw/gw.conf\n");
    expect(unit).toContain("User=gw\nGroup=gw\n");
  });

  test("systemd-analyze verify accepts the installed unit without warnings", async () => {
    const { root, opts } = setup();
    await installService(opts);
    // the root needs the targets the unit refers to
    mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
    cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), {
      recursive: true,
      verbatimSymlinks: true,
    });
    const p = Bun.spawnSync(["systemd-analyze", "verify", `--root=${root}`, "/etc/systemd/system/neo.service"], {
      stderr: "pipe",
    });
    const stderr = p.stderr.toString();
    expect(stderr).not.toContain("neo.service");
    expect(p.exitCode).toBe(0);
  });
});

describe("neo service install", () => {
  test("install under --root copies the binary, writes the unit 0644 and a 0640 config with Data in /var/lib/neo", async () => {
    const { root, lines, opts } = setup();
    await installService(opts);
    const bin = join(root, "usr/local/bin/neo");
    expect(readFileSync(bin, "utf8")).toContain("fake neo");
    expect(mode(bin)).toBe(0o755);
    const unit = join(root, "etc/systemd/system/neo.service");
    expect(readFileSync(unit, "utf8")).toBe(shippedUnit);
    expect(mode(unit)).toBe(0o644);
    const conf = join(root, "etc/neo/neo.conf");
    expect(readFileSync(conf, "utf8")).toMatch(/^Data = "\/var\/lib\/neo"$/m);
    expect(mode(conf)).toBe(0o640);
    expect(lines).toContain("user: skipped (--root)");
    expect(lines.at(-1)).toBe(`next: ${ENABLE_HINT}`);
  });

  test("a second install keeps the operator's edited config and reports the unit up to date", async () => {
    const { root, lines, opts } = setup();
    await installService(opts);
    const conf = join(root, "etc/neo/neo.conf");
    writeFileSync(conf, 'Data = "/var/lib/neo"\n# edited by operator\n');
    lines.length = 0;
    await installService(opts);
    expect(readFileSync(conf, "utf8")).toContain("# edited by operator");
    expect(lines).toContain(`config: kept existing ${conf}`);
    expect(lines).toContain(`unit: ${join(root, "etc/systemd/system/neo.service")} up to date`);
    expect(lines).toContain(`binary: ${join(root, "usr/local/bin/neo")} up to date`);
  });

  test("install from source without a binary at --bin is refused with a clear message", async () => {
    const { opts } = setup();
    const err = await installService({ ...opts, self: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeoError);
    expect((err as NeoError).code).toBe("binary_missing");
  });

  test("install without root and without --root is refused before touching anything", async () => {
    const { opts } = setup();
    const original = process.getuid;
    process.getuid = () => 1000;
    try {
      const err = await installService({ ...opts, root: "" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NeoError);
      expect((err as NeoError).code).toBe("not_root");
      expect((err as NeoError).message).toContain("must run as root");
    } finally {
      process.getuid = original;
    }
  });

  test("a user name or path that systemd would misread is a usage error", async () => {
    const { opts } = setup();
    for (const bad of [{ user: "Neo Gateway" }, { bin: "relative/neo" }, { config: "/etc/my neo.conf" }]) {
      const err = await installService({ ...opts, ...bad }).catch((e: unknown) => e);
      expect((err as NeoError).code).toBe("usage");
    }
  });

  test("the service config sets Data to /var/lib/neo exactly once", async () => {
    const text = await serviceConfigText();
    expect(text.match(/^Data = "\/var\/lib\/neo"$/gm)?.length).toBe(1);
  });
});

describe("neo service uninstall", () => {
  test("uninstall removes the unit and keeps config, data and binary", async () => {
    const { root, lines, opts } = setup();
    await installService(opts);
    mkdirSync(join(root, "var/lib/neo"), { recursive: true });
    writeFileSync(join(root, "var/lib/neo/neo.db"), "data");
    lines.length = 0;
    await uninstallService({ ...opts, purge: false });
    expect(existsSync(join(root, "etc/systemd/system/neo.service"))).toBe(false);
    expect(existsSync(join(root, "etc/neo/neo.conf"))).toBe(true);
    expect(existsSync(join(root, "var/lib/neo/neo.db"))).toBe(true);
    expect(existsSync(join(root, "usr/local/bin/neo"))).toBe(true);
    expect(lines.some((l) => l.startsWith("kept: "))).toBe(true);
  });

  test("uninstall --purge also removes /etc/neo, /var/lib/neo and the binary", async () => {
    const { root, opts } = setup();
    await installService(opts);
    mkdirSync(join(root, "var/lib/neo"), { recursive: true });
    await uninstallService({ ...opts, purge: true });
    for (const p of ["etc/systemd/system/neo.service", "etc/neo", "var/lib/neo", "usr/local/bin/neo"]) {
      expect(existsSync(join(root, p))).toBe(false);
    }
  });
});
