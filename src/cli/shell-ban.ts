// `neo shell ban list` / `neo shell ban clear [ADDR]`: the brute-force guard's bans.
// Works on the data dir; a running server picks a clear up within a quarter second.
import { auditChange } from "./audit-cli.ts";
import { loadConfig } from "../config/index.ts";
import { usageError } from "../lib/errors.ts";
import { openBanStore } from "../registry/index.ts";
import { addressGroup } from "../lib/ip.ts";
import { commonArgs, command } from "./common.ts";
import { plainTable, rfc3339 } from "./shell-key-format.ts";

const dataDir = (args: { data?: string; config?: string }) =>
  loadConfig({ file: args.config, env: process.env, flags: { data: args.data } }).data;

const list = command({
  meta: { name: "list", description: "List addresses banned now for failed authentications" },
  args: { ...commonArgs, format: { type: "string", description: "plain (default) or json" } },
  run({ args }) {
    const format = args.format ?? "plain";
    if (format !== "plain" && format !== "json") throw usageError(`--format must be plain or json, got ${format}`);
    const store = openBanStore(dataDir(args));
    const now = Date.now();
    try {
      const bans = store.all().filter((b) => b.until > now);
      if (format === "json") {
        const out = bans.map((b) => ({
          address: b.address,
          since: rfc3339(b.since),
          until: rfc3339(b.until),
          retry_after_s: Math.ceil((b.until - now) / 1000),
          level: b.level,
          failures: b.failures,
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      if (bans.length === 0) {
        process.stdout.write("no address is banned\n");
        return;
      }
      const rows = bans.map((b) => [
        b.address,
        rfc3339(b.since),
        rfc3339(b.until),
        `${Math.ceil((b.until - now) / 1000)}s`,
        String(b.failures),
      ]);
      process.stdout.write(plainTable(["ADDRESS", "SINCE", "UNTIL", "LEFT", "FAILURES"], rows));
    } finally {
      store.close();
    }
  },
});

const clear = command({
  meta: { name: "clear", description: "Lift the ban of one address (and forget its failures), or of all" },
  args: { ...commonArgs, address: { type: "positional", required: false, description: "address; all when omitted" } },
  run({ args }) {
    const cfg = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
    const store = openBanStore(cfg.data);
    try {
      // an IPv6 address lifts the ban of its group (Guard.IPv6Prefix, "2001:db8:1:2::/64")
      const given = args.address === undefined || args.address === "" ? undefined : String(args.address);
      const address = given === undefined ? undefined : addressGroup(given.replace(/\/\d+$/, ""), cfg.guard.ipv6Prefix);
      const n = store.clear(address, Date.now());
      auditChange(args, "ban.clear", address ?? "*", { lifted: n });
      if (address !== undefined && n === 0) process.stdout.write(`${address} was not banned\n`);
      else process.stdout.write(`lifted ${n} ban${n === 1 ? "" : "s"}\n`);
    } finally {
      store.close();
    }
  },
});

export default command({
  meta: { name: "ban", description: "Addresses banned by the brute-force guard" },
  subCommands: { list, clear },
});
