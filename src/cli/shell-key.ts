// `neo shell key ...`: client keys, tokens and the gateway CA, in machbase-neo's formats.
// Every subcommand opens the data dir directly, so it works with or without a running
// server; a server sees the change on its next lookup.
import { auditChange } from "./audit-cli.ts";
import { parseDuration } from "../lib/duration.ts";
import { usageError } from "../lib/errors.ts";
import { assertClientId, type Registry } from "../registry/index.ts";
import { ALL_ACCESS_SCOPES, parseScopes } from "../lib/scopes.ts";
import { commonArgs, command } from "./common.ts";
import keyImport from "./shell-key-import.ts";
import keySign from "./shell-key-sign.ts";
import keyEnroll from "./shell-key-enroll.ts";
import { approve, pending, reject } from "./shell-key-pending.ts";
import scope, { repeatedOption } from "./shell-key-scope.ts";
import { boxTable, clientsJson } from "./shell-key-format.ts";
import {
  emitIssued,
  outputFiles,
  parseKeyType,
  parseValidity,
  refuseExisting,
  resolveConfig,
  withKeys,
  withRegistry,
  writeReplace,
} from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const idArg = { type: "positional", required: true, description: "client id" } as const;
const validityArgs = {
  type: { type: "string", description: "key type: ec (P-256, default) or rsa (2048)" },
  days: { type: "string", description: "validity in days (default 1095, 3 years)" },
  "not-after": { type: "string", description: "expiry as an RFC 3339 date, e.g. 2030-01-31T00:00:00Z" },
} as const;

/** gen and rotate: a client id, where to write the files, and the validity */
const issueArgs = {
  ...commonArgs,
  id: idArg,
  output: { type: "string", alias: "o", description: "write <prefix>_cert.pem, <prefix>_key.pem and <prefix>_token" },
  ...validityArgs,
} as const;

const gen = command({
  meta: {
    name: "gen",
    description: "Register a client: X.509 key and certificate signed by the gateway CA, and a token",
  },
  args: {
    ...issueArgs,
    scope: { type: "string", description: "a scope (repeat for more); default Auth.DefaultScopes" },
  },
  async run({ args, rawArgs }) {
    assertClientId(args.id);
    const given = repeatedOption(rawArgs, "scope");
    const defaults = resolveConfig(args).auth?.defaultScopes ?? ALL_ACCESS_SCOPES;
    const scopes = parseScopes(given.length ? given : defaults).map((s) => s.text);
    const keyType = parseKeyType(args.type);
    const validity = parseValidity({ days: args.days, notAfter: args["not-after"] });
    if (args.output !== undefined) refuseExisting(outputFiles(args.output));
    await withKeys(args, async ({ pki, registry }) => {
      const issued = await registry.create({ id: args.id, keyType, pki, scopes, ...validity });
      try {
        emitIssued(issued, args.output, out);
      } catch (e) {
        registry.delete(args.id); // nothing was handed out: do not leave a key no one holds
        throw e;
      }
    });
    auditChange(args, "key.create", args.id, { notAfter: validity.notAfter.toISOString() });
    if (validity.notAfter.getTime() <= Date.now())
      process.stderr.write(`neo: warning: ${args.id}'s key is already expired\n`);
  },
});

const list = command({
  meta: { name: "list", description: "List registered clients, their validity and scopes (json: every scope)" },
  args: {
    ...commonArgs,
    format: { type: "string", description: "box (default) or json" },
    expiring: { type: "string", description: "only active keys expiring within this long, e.g. 30d" },
  },
  async run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    const within = args.expiring === undefined ? undefined : parseDuration(args.expiring);
    if (within && !within.ok) throw usageError(`--expiring must be a duration like 30d: ${within.error}`);
    await withRegistry(
      args,
      (registry) => {
        const now = Date.now();
        const records = registry
          .list()
          .filter((r) => !within?.ok || (r.status === "active" && r.notAfter - now <= within.ms));
        out(format === "json" ? JSON.stringify(clientsJson(records, now), null, 2) + "\n" : boxTable(records, now));
      },
      { readOnly: true }, // works on a full disk
    );
  },
});

/** `del` and `revoke`: one registry call on an id, then one word on stdout */
const idCommand = (
  name: string,
  description: string,
  act: (r: Registry, id: string) => unknown,
  said: string,
  action: string,
) =>
  command({
    meta: { name, description },
    args: { ...commonArgs, id: idArg },
    async run({ args }) {
      await withRegistry(args, (registry) => act(registry, args.id));
      auditChange(args, action, args.id);
      out(`${said}\n`);
    },
  });

const del = idCommand(
  "del",
  "Delete a client; its token and certificate stop working at once",
  (r, id) => r.delete(id),
  "deleted",
  "key.delete",
);
const revoke = idCommand(
  "revoke",
  "Revoke a client: kept in the list as revoked, refused everywhere, listed in the CRL",
  (r, id) => r.revoke(id),
  "revoked",
  "key.revoke",
);

const rotate = command({
  meta: {
    name: "rotate",
    description: "New key, certificate and token for an existing client; the old ones stop working at once",
  },
  args: issueArgs,
  async run({ args }) {
    const keyType = args.type === undefined ? undefined : parseKeyType(args.type);
    const validity =
      args.days === undefined && args["not-after"] === undefined
        ? {}
        : parseValidity({ days: args.days, notAfter: args["not-after"] });
    if (args.output !== undefined) refuseExisting(outputFiles(args.output));
    await withKeys(args, async ({ pki, registry }) => {
      const issued = await registry.rotate(args.id, pki, { keyType, ...validity });
      // the old credentials are already gone; if writing fails the operator must rotate again
      emitIssued(issued, args.output, out);
    });
    auditChange(args, "key.rotate", args.id);
  },
});

const serverCert = command({
  meta: {
    name: "server-cert",
    description: "Print or save the gateway CA certificate (what clients pass as --cafile / --cacert)",
  },
  args: { ...commonArgs, output: { type: "string", alias: "o", description: "write the PEM to this file" } },
  async run({ args }) {
    const pem = await withKeys(args, ({ pki }) => pki.caCertPem);
    if (args.output === undefined) return void out(pem);
    writeReplace(args.output, pem, 0o644);
    out(`Save certificate ${args.output}\n`);
  },
});

const crl = command({
  meta: {
    name: "crl",
    description: "Print or save a CRL, signed by the gateway CA, of revoked, deleted and rotated-away certificates",
  },
  args: { ...commonArgs, output: { type: "string", alias: "o", description: "write the PEM to this file" } },
  async run({ args }) {
    const pem = await withKeys(args, ({ pki, registry }) => pki.createCrl(registry.revokedSerials()));
    if (args.output === undefined) return void out(pem);
    writeReplace(args.output, pem, 0o644);
    out(`Save CRL ${args.output}\n`);
  },
});

export default command({
  meta: { name: "key", description: "Manage client keys, certificates and tokens" },
  subCommands: {
    gen,
    list,
    del,
    revoke,
    rotate,
    scope,
    import: keyImport,
    sign: keySign,
    enroll: keyEnroll,
    pending,
    approve,
    reject,
    "server-cert": serverCert,
    crl,
  },
});
