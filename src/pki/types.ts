// The gateway's PKI as the rest of the system sees it.
export type KeyType = "ec" | "rsa";

export interface IssueClientCertOptions {
  clientId: string;
  keyType: KeyType;
  notBefore: Date;
  notAfter: Date;
}

export interface IssuedCert {
  certPem: string;
  /** PKCS#8 PEM */
  keyPem: string;
  /** lowercase hex SHA-256 of the DER, no colons */
  fingerprint256: string;
  /** lowercase hex */
  serial: string;
}

/** why a certificate left service; becomes the CRL entry's reason code */
export type RevocationCause = "revoked" | "deleted" | "rotated";

export interface RevokedCert {
  serial: string;
  revokedAt: Date;
  /** default "revoked" */
  cause?: RevocationCause;
}

export interface Pki {
  /** the directory holding the PEM files */
  readonly dir: string;
  /**
   * What clients pass as --cafile and what TLS verifies client certificates against: the
   * gateway CA, then (when it is an intermediate under a company root, `neo shell ca
   * import-intermediate`) its issuers up to the root, then CAs an import replaced (their
   * certificates work until they expire).
   */
  readonly caCertPem: string;
  /** the gateway CA and its issuers up to the root (EST /cacerts), one PEM each */
  readonly caChain: readonly string[];
  /** the server certificate, followed by the intermediates (neo's CA under a company root) */
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  issueClientCert(o: IssueClientCertOptions): Promise<IssuedCert>;
  /** sign a PKCS#10 request (PEM, base64 or DER; its signature checked) for a client: keyPem is "" */
  signCsr(csr: string | Uint8Array, o: { clientId: string; notBefore: Date; notAfter: Date }): Promise<IssuedCert>;
  /** PEM CRL signed by the CA */
  createCrl(revoked: readonly RevokedCert[]): Promise<string>;
  /** true when the certificate's signature verifies with our CA key and names our CA as issuer */
  verifyIssued(cert: string | Uint8Array): boolean;
}
