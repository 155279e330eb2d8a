// What the company-CA tests share: a "company" CA made with openssl in a temp dir, the way a
// site's PKI team would (req -x509), and its CRL kept with `openssl ca` (-revoke, -gencrl).
import { join } from "node:path";
import { run } from "./harness.ts";

/** an EC P-256 key made with the request, no passphrase */
export const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** run openssl (or anything), throwing with its stderr when it fails */
export async function sh(cmd: string[]) {
  const r = await run(cmd, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r;
}

/** ca.key and ca.crt in `dir`: a self-signed CA valid 30 days */
export async function makeCompanyCa(dir: string, cn = "Acme Devices CA"): Promise<void> {
  const f = (n: string) => join(dir, n);
  await sh(
    ["openssl", "req", "-x509", ...EC, "-keyout", f("ca.key"), "-out", f("ca.crt")].concat([
      "-days",
      "30",
      "-subj",
      `/CN=${cn}`,
    ]),
  );
}

/** ca.cnf for `openssl ca` and a first, empty ca.crl */
export async function startCrl(dir: string): Promise<void> {
  const f = (n: string) => join(dir, n);
  await Bun.write(
    f("ca.cnf"),
    `[ca]\ndefault_ca = acme\n[acme]\ndatabase = ${f("index.txt")}\ncertificate = ${f("ca.crt")}\nprivate_key = ${f("ca.key")}\ncrlnumber = ${f("crlnumber")}\ndefault_md = sha256\ndefault_crl_days = 30\n`,
  );
  await Bun.write(f("index.txt"), "");
  await Bun.write(f("crlnumber"), "01\n");
  await genCrl(dir);
}

/** ca.crl written again from what `openssl ca` has revoked */
export const genCrl = (dir: string) =>
  sh(["openssl", "ca", "-config", join(dir, "ca.cnf"), "-gencrl", "-out", join(dir, "ca.crl")]);
