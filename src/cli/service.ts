// `neo service install|uninstall` as commands; what they do is service-install.ts.
import { command } from "./common.ts";
import { installService, type ServiceOptions, uninstallService } from "./service-install.ts";

const sharedArgs = {
  user: { type: "string", description: "system user the service runs as", default: "neo" },
  config: { type: "string", description: "config file path", default: "/etc/neo/neo.conf" },
  bin: { type: "string", description: "where the binary is installed", default: "/usr/local/bin/neo" },
  root: { type: "string", description: "prefix every path with DIR (for tests and image builds)", default: "" },
} as const;

function optionsFrom(args: { user: string; config: string; bin: string; root: string }): ServiceOptions {
  return {
    root: args.root,
    user: args.user,
    config: args.config,
    bin: args.bin,
    self: Bun.isStandaloneExecutable ? process.execPath : null,
    out: (line) => process.stdout.write(line + "\n"),
  };
}

const install = command({
  meta: { name: "install", description: "Install the binary, systemd unit, system user and /etc/neo/neo.conf (root)" },
  args: sharedArgs,
  async run({ args }) {
    await installService(optionsFrom(args));
  },
});

const uninstall = command({
  meta: {
    name: "uninstall",
    description: "Remove the systemd unit; --purge also removes user, /etc/neo, /var/lib/neo and the binary",
  },
  args: {
    ...sharedArgs,
    purge: { type: "boolean", description: "also delete config, data, binary and user", default: false },
  },
  async run({ args }) {
    await uninstallService({ ...optionsFrom(args), purge: args.purge });
  },
});

export default command({
  meta: { name: "service", description: "Run neo as a systemd service" },
  subCommands: { install, uninstall },
});
