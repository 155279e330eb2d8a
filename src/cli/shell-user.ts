// `neo shell user ...`: people (web UI, login keys, PATs).
//   neo shell user add <name> [--role admin|user] [--scope S ...] [--password-stdin]
//   neo shell user del <name>
//   neo shell user list [--format json]
//   neo shell user passwd <name> [--password-stdin]   set a password (generated and printed if not given)
//   neo shell user scope list|add|remove <name> [S ...]   /   neo shell user role <name> admin|user
//   neo shell user recover <name>                     a one-time recovery key (15 min)
// Works on the data dir directly, with or without a running server; a password change
// ends that user's sessions and login keys at once.
import { auditChange } from "./audit-cli.ts";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_PASSWORD_FILE, ADMIN_USER, generatePassword, openUsers, validatePassword } from "../registry/index.ts";
import { add, dataDir, del, list, readPasswordFromStdin, recover, role, scope } from "./shell-user-manage.ts";
import { commonArgs, command } from "./common.ts";

// Written by src/app/web-ui.ts on first start; stale once the password has been changed.

const passwd = command({
  meta: {
    name: "passwd",
    description: "Set a web UI user's password (read from stdin with --password-stdin, else generated)",
  },
  args: {
    ...commonArgs,
    name: { type: "positional", required: true, description: "user name (the first start creates admin)" },
    "password-stdin": { type: "boolean", description: "read the new password from stdin (one line)" },
  },
  async run({ args }) {
    const fromStdin = args["password-stdin"] === true;
    const password = fromStdin ? await readPasswordFromStdin() : generatePassword();
    validatePassword(password);
    const data = dataDir(args);
    const users = openUsers(data);
    try {
      await users.ensureAdmin(); // a data dir no server has started yet still gets its admin
      await users.setPassword(args.name, password);
    } finally {
      users.close();
    }
    if (args.name === ADMIN_USER) {
      const stale = join(data, ADMIN_PASSWORD_FILE);
      if (existsSync(stale)) rmSync(stale);
    }
    auditChange(args, "user.passwd", args.name);
    process.stdout.write(`password changed for ${args.name}\n`);
    if (!fromStdin) process.stdout.write(`new password: ${password}\n(shown once; it is stored only as a hash)\n`);
  },
});

export default command({
  meta: { name: "user", description: "Users: web UI, login keys (POST /users/tokens/issue) and PATs" },
  subCommands: { add, del, list, passwd, scope, role, recover },
});
