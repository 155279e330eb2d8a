// `neo shell ca import-intermediate --cert ca.pem --key ca.key [--chain root.pem]`: neo's
// CA becomes an intermediate under the company's root (pki/import-ca.ts checks everything
// first). Certificates of the replaced CA stay trusted until they expire; the server
// certificate is issued again by the new CA now, and a running server serves it (with the
// chain) after a restart.
import { join } from "node:path";
import { usageError } from "../lib/errors.ts";
import { setLogLevel } from "../lib/log.ts";
import { describeCa, importIntermediate, loadOrCreatePki } from "../pki/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { resolveDataDir } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await Bun.file(file).text();
  } catch (e) {
    throw usageError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

const importCmd = command({
  meta: {
    name: "import-intermediate",
    description:
      "Make neo's CA an intermediate under the company root: its CA certificate and key (EC P-256/P-384/P-521, RSA 2048+) and the chain to the root",
  },
  args: {
    ...commonArgs,
    cert: { type: "string", required: true, description: "the CA certificate the company root issued for neo (PEM)" },
    key: { type: "string", required: true, description: "its private key (PEM: PKCS#8, EC or RSA; not encrypted)" },
    chain: { type: "string", description: "the issuers up to the root, PEM (not needed when --cert holds them)" },
  },
  async run({ args }) {
    const data = resolveDataDir(args);
    setLogLevel("warn"); // the command prints its own result
    const [certPem, keyPem, chainPem] = await Promise.all([
      readText(args.cert, "--cert"),
      readText(args.key, "--key"),
      args.chain === undefined ? "" : readText(args.chain, "--chain"),
    ]);
    // the CA to replace must exist (an empty data dir gets neo's own first)
    await loadOrCreatePki(data, { hosts: ["127.0.0.1", "localhost"] });
    const done = await importIntermediate(join(data, "pki"), { certPem, keyPem, chainPem });
    // the server certificate names the new CA now (a running server serves it after a restart)
    await loadOrCreatePki(data, { hosts: ["127.0.0.1", "localhost"] });
    auditChange(args, "ca.import", done.subject, { key: done.keyKind, chain: done.chain, previous: done.previous });
    out(`neo's CA is now "${done.subject}" (${done.keyKind})\n`);
    for (const s of done.chain) out(`  issued by "${s}"\n`);
    out(`the previous CA "${done.previous}" stays trusted: its certificates work until they expire\n`);
    out("restart neo to use it; clients verify the server with the company root (or `neo shell key server-cert`)\n");
  },
});

const show = command({
  meta: { name: "show", description: "Show neo's CA: subject, key, expiry, its chain up to the root, CAs it replaced" },
  args: { ...commonArgs, format: { type: "string", description: "text (default) or json" } },
  async run({ args }) {
    const format = args.format ?? "text";
    if (format !== "text" && format !== "json")
      throw usageError(`--format must be text or json, got ${JSON.stringify(format)}`);
    const data = resolveDataDir(args);
    setLogLevel("warn");
    await loadOrCreatePki(data, { hosts: ["127.0.0.1", "localhost"] });
    const d = await describeCa(join(data, "pki"));
    if (format === "json") return void out(`${JSON.stringify(d, null, 2)}\n`);
    out(`CA        ${d.subject} (${d.keyKind}), valid until ${d.notAfter}\n`);
    if (d.chain.length === 0) out("issued by itself (neo's own root)\n");
    for (const s of d.chain) out(`issued by ${s}\n`);
    for (const s of d.retired) out(`replaced  ${s} (still trusted: its certificates work until they expire)\n`);
  },
});

export default command({
  meta: { name: "ca", description: "The gateway's certificate authority" },
  subCommands: { show, "import-intermediate": importCmd },
});
