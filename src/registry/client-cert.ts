// A client's certificate from elsewhere: `neo shell key import <id> --cert device.pem`
// registers a certificate the gateway did not issue (a company CA's, a CSR signed with
// `key sign`), and a lookup by fingerprint finds whose it is.
import type { Database } from "bun:sqlite";
import { conflict } from "../lib/errors.ts";
import type { ClientRecord, Registry, RevocationCause } from "./types.ts";

export interface CertStatements {
  /** the client id holding this certificate (lowercase hex SHA-256), or null */
  idByFingerprint(fp: string): string | null;
  /** replace the client's certificate (fingerprint, serial); false when the client changed meanwhile */
  setCert(id: string, expectSerial: string, fp: string, serial: string, validity?: [number, number]): boolean;
}

export function certStatements(db: Database): CertStatements {
  const byFp = db.prepare<{ id: string }, [string]>("SELECT id FROM clients WHERE cert_fingerprint = ?");
  const set = db.prepare(
    "UPDATE clients SET cert_fingerprint = ?, cert_serial = ? WHERE id = ? AND cert_serial = ? AND status = 'active'",
  );
  // a renewal moves the client's validity with its new certificate
  const setWithValidity = db.prepare(
    `UPDATE clients SET cert_fingerprint = ?, cert_serial = ?, not_before = ?, not_after = ?
     WHERE id = ? AND cert_serial = ? AND status = 'active'`,
  );
  return {
    idByFingerprint: (fp) => byFp.get(fp)?.id ?? null,
    setCert: (id, expectSerial, fp, serial, validity) =>
      (validity
        ? setWithValidity.run(fp, serial, validity[0], validity[1], id, expectSerial)
        : set.run(fp, serial, id, expectSerial)
      ).changes === 1,
  };
}

/** Registry.importCert: the new certificate becomes the client's; the old one is retired (CRL) */
export function importCertInto(d: {
  db: Database;
  certs: CertStatements;
  mustGet(id: string): ClientRecord;
  retire(serial: string, id: string, cause: RevocationCause, at: number): unknown;
  wrote(): void;
}): Registry["importCert"] {
  return (id, cert, validity) => {
    const cur = d.mustGet(id);
    if (cur.status !== "active") throw conflict("client_revoked", `client ${JSON.stringify(id)} is revoked`);
    d.db
      .transaction(() => {
        if (!d.certs.setCert(id, cur.certSerial, cert.fingerprint256, cert.serial, validity))
          throw conflict("client_changed", `client ${JSON.stringify(id)} changed meanwhile; try again`);
        d.retire(cur.certSerial, id, "rotated", Date.now());
      })
      .immediate();
    d.wrote();
    return d.mustGet(id);
  };
}
