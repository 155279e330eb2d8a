// `neo shell key enroll <id> [--scope ...] [--expires 24h]`: a one-time enrollment secret
// for a device that makes its own key and enrolls over EST (RFC 7030, HTTP Basic
// <id>:<secret> on /.well-known/est/simpleenroll). Printed once; stored as a hash. The
// enrolled client gets these scopes, like `key gen` would give.
import { usageError } from "../lib/errors.ts";
import { parseDuration } from "../lib/duration.ts";
import { ALL_ACCESS_SCOPES, parseScopes } from "../lib/scopes.ts";
import { assertClientId } from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { repeatedOption } from "./shell-key-scope.ts";
import { resolveConfig, withRegistry } from "./shell-key-io.ts";

export default command({
  meta: {
    name: "enroll",
    description: "Print a one-time EST enrollment secret for a client (the device keeps its own key)",
  },
  args: {
    ...commonArgs,
    id: { type: "positional", required: true, description: "client id" },
    scope: {
      type: "string",
      description: "a scope of the enrolled client (repeat for more); default Auth.DefaultScopes",
    },
    expires: { type: "string", description: "how long the secret can be used, e.g. 24h (default), 7d" },
  },
  async run({ args, rawArgs }) {
    assertClientId(args.id);
    const d = parseDuration(args.expires ?? "24h");
    if (!d.ok) throw usageError(`--expires must be a duration like 24h or 7d: ${d.error}`);
    const ms = d.ms;
    if (!(ms > 0)) throw usageError("--expires must be longer than 0");
    const given = repeatedOption(rawArgs, "scope");
    const defaults = resolveConfig(args).auth?.defaultScopes ?? ALL_ACCESS_SCOPES;
    const scopes = parseScopes(given.length ? given : defaults).map((s) => s.text);
    const expiresAt = Date.now() + ms;
    const secret = await withRegistry(args, (r) => r.enrollments.create(args.id, scopes, expiresAt));
    auditChange(args, "key.enroll-secret", args.id, { expiresAt: new Date(expiresAt).toISOString() });
    process.stdout.write(`ENROLLMENT ${secret}\n`);
    process.stdout.write(
      `Valid until ${new Date(expiresAt).toISOString()}, once: curl --user ${args.id}:<secret> ... /.well-known/est/simpleenroll\n`,
    );
  },
});
