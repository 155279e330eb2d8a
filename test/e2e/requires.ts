// What a test needs from the machine: a tool or a privilege. Under CI=true a missing one
// FAILS the test: CI installs every tool (scripts/setup.sh --test) and runs as root, so a
// test that did not run there is a bug, never a pass. Elsewhere (a developer's machine)
// the test is skipped with one warning that says how to get what it needs.

export interface Requirement {
  /** skip the test: only outside CI, and only when something is missing */
  readonly skip: boolean;
  /** throws when something is missing (run it first thing in the test or its beforeAll) */
  check(): void;
}

const CI = process.env.CI === "true";

/** `missing`: why the requirement is not met (undefined: it is) */
export function requires(what: string, missing: string | undefined, install: string): Requirement {
  if (missing !== undefined && !CI) console.warn(`SKIPPED (${what}: ${missing}; ${install})`);
  return {
    skip: missing !== undefined && !CI,
    check() {
      if (missing !== undefined) throw new Error(`${what}: ${missing} (${install})`);
    },
  };
}

/** an executable on PATH (or at an absolute path) */
export function requiresTool(tool: string, install: string): Requirement {
  const found = tool.startsWith("/") ? Bun.file(tool).size > 0 : Bun.which(tool) !== null;
  return requires(tool, found ? undefined : "not installed", install);
}
