// Changes made with `neo shell ...` go to the same audit trail as the server's: who (the
// OS user, the one behind sudo when there is one), from where (the SSH client's address,
// or "local"), what. Written straight to <data>/audit.db; a failure to write warns on
// stderr and does not undo the change.
import { userInfo } from "node:os";
import { loadConfig } from "../config/index.ts";
import { openAuditLog } from "../registry/index.ts";

function cliActor(): { user: string; address: string } {
  let user = process.env.SUDO_USER || process.env.USER || "";
  if (user === "") {
    try {
      user = userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  const ssh = process.env.SSH_CLIENT?.split(" ")[0];
  return { user: `os:${user}`, address: ssh && ssh !== "" ? ssh : "local" };
}

/** Record one change made by a CLI command. */
export function auditChange(
  args: { data?: string; config?: string },
  action: string,
  target: string,
  detail?: Record<string, unknown>,
): void {
  try {
    const cfg = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
    if (!cfg.audit.enabled) return;
    const log = openAuditLog(cfg.data, { maxEvents: cfg.audit.maxEvents });
    try {
      log.record({
        kind: "change",
        action,
        result: "ok",
        listener: "cli",
        ...cliActor(),
        target,
        ...(detail ? { detail: JSON.stringify(detail) } : {}),
      });
    } finally {
      log.close();
    }
  } catch (e) {
    process.stderr.write(`neo: warning: the audit trail did not record ${action} ${target}: ${String(e)}\n`);
  }
}
