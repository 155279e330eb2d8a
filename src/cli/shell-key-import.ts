// `neo shell key import <id> --cert device.pem`: register a certificate neo did not issue
// (a company CA's, under Tls.TrustedCA "pinned") as a client's. An existing client keeps
// its token and scopes and its old certificate is retired; a new one gets a token. The
// certificate must be one TLS would accept (the gateway CA or a trusted CA) and, for a
// trusted CA, name this client by the CA's rule (Mainflux's: its CN holds the client's key).
import { X509Certificate } from "node:crypto";
import { NeoError, usageError } from "../lib/errors.ts";
import { sameBytes } from "../lib/secret-bytes.ts";
import { ALL_ACCESS_SCOPES, parseScopes } from "../lib/scopes.ts";
import { fingerprint256, loadTrustedCas } from "../pki/index.ts";
import { assertClientId, tokenOf } from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { repeatedOption } from "./shell-key-scope.ts";
import { resolveConfig, withKeys } from "./shell-key-io.ts";

const refuse = (msg: string) => new NeoError("certificate_refused", msg, 400);

async function readPem(file: string): Promise<{ pem: string; x: X509Certificate }> {
  let pem: string;
  try {
    pem = await Bun.file(file).text();
  } catch (e) {
    throw usageError(`--cert: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    return { pem, x: new X509Certificate(pem) };
  } catch {
    throw usageError(`--cert: ${file} is not a PEM certificate`);
  }
}

export default command({
  meta: {
    name: "import",
    description:
      "Register a certificate made elsewhere (a trusted CA's) as a client's; prints a token for a new client",
  },
  args: {
    ...commonArgs,
    id: { type: "positional", required: true, description: "client id" },
    cert: { type: "string", required: true, description: "the client's certificate (PEM)" },
    scope: { type: "string", description: "a scope for a new client (repeat for more); default Auth.DefaultScopes" },
  },
  async run({ args, rawArgs }) {
    assertClientId(args.id);
    const cfg = resolveConfig(args);
    const { pem, x } = await readPem(args.cert);
    if (Date.parse(x.validTo) <= Date.now()) throw refuse(`${args.cert} expired on ${x.validTo}`);
    const fp = fingerprint256(pem);
    const serial = x.serialNumber.toLowerCase().replace(/^0+/, "");
    const trust = cfg.tls?.trustedCas.length ? await loadTrustedCas(cfg.tls.trustedCas) : undefined;
    const info = trust?.inspect(new Uint8Array(x.raw));
    const given = repeatedOption(rawArgs, "scope");
    const scopes = parseScopes(given.length ? given : (cfg.auth?.defaultScopes ?? ALL_ACCESS_SCOPES)).map(
      (s) => s.text,
    );
    const done = await withKeys(args, async ({ pki, registry }) => {
      if (!info && !pki.verifyIssued(pem))
        throw refuse(`${args.cert} is signed neither by the gateway CA nor by a Tls.TrustedCA: TLS would refuse it`);
      if (info?.revoked) throw refuse(`${args.cert} is on the CRL of Tls.TrustedCA "${info.ca.name}"`);
      if (info?.id !== undefined && info.id !== args.id)
        throw refuse(
          `${args.cert} names "${info.id}" by Tls.TrustedCA "${info.ca.name}" (Identity ${info.ca.identity}), not "${args.id}"`,
        );
      const holder = registry.idByFingerprint(fp);
      if (holder !== null) throw refuse(`${args.cert} is already client "${holder}"'s certificate`);
      const cred = registry.credentials(args.id);
      if (info?.ca.identity === "mainflux-key") {
        if (!cred)
          throw refuse(
            `with Identity "mainflux-key" the client exists first: neo shell key gen ${args.id}, then its key goes in the CN`,
          );
        const hashed = registry.hashToken(tokenOf(args.id, info.cn));
        if (!sameBytes(hashed, cred.tokenHash)) throw refuse(`the CN of ${args.cert} is not the key of "${args.id}"`);
      }
      if (cred) {
        registry.importCert(args.id, { fingerprint256: fp, serial });
        return undefined;
      }
      const keyType = x.publicKey.asymmetricKeyType === "rsa" ? "rsa" : "ec";
      const issued = await registry.create({
        id: args.id,
        keyType,
        notBefore: new Date(x.validFrom),
        notAfter: new Date(x.validTo),
        scopes,
        pki: { issueClientCert: async () => ({ certPem: pem, keyPem: "", fingerprint256: fp, serial }) },
      });
      return issued.token;
    });
    auditChange(args, "key.import", args.id, { fingerprint: fp, ...(info ? { ca: info.ca.name } : {}) });
    process.stdout.write(`imported ${args.id} (serial ${serial})\n`);
    if (done !== undefined) {
      process.stdout.write(`TOKEN ${done}\n`);
      process.stdout.write("Caution: This is the last chance to copy and store the TOKEN.\n");
    }
  },
});
