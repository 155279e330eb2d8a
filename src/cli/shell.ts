// `neo shell`: operator commands that work on the data dir, with or without a running server.
import { command } from "./common.ts";

export default command({
  meta: {
    name: "shell",
    description:
      "Operator commands (client keys and certificates, users, channels, dashboards, bans, audit, tag tables)",
  },
  subCommands: {
    key: () => import("./shell-key.ts").then((m) => m.default),
    ca: () => import("./shell-ca.ts").then((m) => m.default),
    user: () => import("./shell-user.ts").then((m) => m.default),
    channel: () => import("./shell-channel.ts").then((m) => m.default),
    domain: () => import("./shell-domain.ts").then((m) => m.default),
    group: () => import("./shell-group.ts").then((m) => m.default),
    dashboard: () => import("./shell-dashboard.ts").then((m) => m.default),
    ban: () => import("./shell-ban.ts").then((m) => m.default),
    audit: () => import("./shell-audit.ts").then((m) => m.default),
    pat: () => import("./shell-pat.ts").then((m) => m.default),
    table: () => import("./shell-table.ts").then((m) => m.default),
  },
});
