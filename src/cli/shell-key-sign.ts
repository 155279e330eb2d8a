// `neo shell key sign <id> --csr device.csr`: the device made its own key (openssl req, a
// TPM, a secure element) and sends only a PKCS#10 request; the gateway CA signs it for the
// client. A new client is registered like one from `key gen` (scopes, token printed once);
// an existing one gets the certificate as its current one, keeping its token and scopes
// (the old certificate is retired and listed in the CRL). The private key never leaves the device.
import { usageError } from "../lib/errors.ts";
import { ALL_ACCESS_SCOPES, parseScopes } from "../lib/scopes.ts";
import { signForClient } from "../pki/index.ts";
import { assertClientId } from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { repeatedOption } from "./shell-key-scope.ts";
import { parseValidity, resolveConfig, withKeys, writeNew } from "./shell-key-io.ts";

export default command({
  meta: {
    name: "sign",
    description: "Sign a device's PKCS#10 request (its key stays on the device) with the gateway CA for a client",
  },
  args: {
    ...commonArgs,
    id: { type: "positional", required: true, description: "client id" },
    csr: { type: "string", required: true, description: "the request (PEM or DER), e.g. from openssl req -new" },
    output: { type: "string", alias: "o", description: "write the certificate (PEM) here; default stdout" },
    days: { type: "string", description: "validity in days (default 1095, 3 years)" },
    "not-after": { type: "string", description: "expiry as an RFC 3339 date, e.g. 2030-01-31T00:00:00Z" },
    scope: { type: "string", description: "a scope for a new client (repeat for more); default Auth.DefaultScopes" },
  },
  async run({ args, rawArgs }) {
    assertClientId(args.id);
    const validity = parseValidity({ days: args.days, notAfter: args["not-after"] });
    let csr: Uint8Array;
    try {
      csr = await Bun.file(args.csr).bytes();
    } catch (e) {
      throw usageError(`--csr: cannot read ${args.csr} (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    const text = new TextDecoder().decode(csr);
    const input = text.includes("-----BEGIN") ? text : csr;
    const given = repeatedOption(rawArgs, "scope");
    const defaults = resolveConfig(args).auth?.defaultScopes ?? ALL_ACCESS_SCOPES;
    const scopes = parseScopes(given.length ? given : defaults).map((s) => s.text);
    const { certPem, token } = await withKeys(args, ({ pki, registry }) =>
      signForClient(pki, registry, { id: args.id, csr: input, ...validity, scopes }),
    );
    auditChange(args, "key.sign", args.id, { notAfter: validity.notAfter.toISOString() });
    if (args.output !== undefined) {
      writeNew(args.output, certPem, 0o644);
      process.stdout.write(`Save certificate ${args.output}\n`);
    } else process.stdout.write(certPem.trimEnd() + "\n");
    if (token !== undefined) {
      process.stdout.write(`TOKEN ${token}\n`);
      process.stdout.write("Caution: This is the last chance to copy and store the TOKEN.\n");
    }
  },
});
