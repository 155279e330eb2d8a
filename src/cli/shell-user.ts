// `neo shell user ...`: web UI login users (mounted under `neo shell` by the lead).
//   neo shell user passwd <name> [--password-stdin]   set a password (generated and printed if not given)
//   neo shell user list
// Works on the data dir directly, with or without a running server. Sessions already
// open in a running server stay valid until they expire (at most 60 min idle).
import { defineCommand } from "citty";
import { auditChange } from "./audit-cli.ts";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config/index.ts";
import { badRequest } from "../lib/errors.ts";
import { ADMIN_PASSWORD_FILE, ADMIN_USER, generatePassword, openUsers, validatePassword } from "../web/index.ts";
import { commonArgs, fail } from "./common.ts";

// Written by src/app/web-ui.ts on first start; stale once the password has been changed.

const dataDir = (args: { data?: string; config?: string }) =>
  loadConfig({ file: args.config, env: process.env, flags: { data: args.data } }).data;

/** The password piped on stdin: one line, the trailing newline is not part of it. */
async function readPasswordFromStdin(): Promise<string> {
  const text = await Bun.stdin.text();
  const pw = text.replace(/\r?\n$/, "");
  if (pw.includes("\n")) throw badRequest("password_multiline", "the password on stdin must be a single line");
  return pw;
}

const passwd = defineCommand({
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
    try {
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
    } catch (err) {
      fail(err);
    }
  },
});

const list = defineCommand({
  meta: { name: "list", description: "List web UI users" },
  args: { ...commonArgs },
  run({ args }) {
    try {
      const users = openUsers(dataDir(args));
      try {
        for (const n of users.names()) process.stdout.write(`${n}\n`);
      } finally {
        users.close();
      }
    } catch (err) {
      fail(err);
    }
  },
});

export default defineCommand({
  meta: { name: "user", description: "Web UI users" },
  subCommands: { passwd, list },
});
