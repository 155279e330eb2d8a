// The client certificate a TLS handshake verified (chain to the gateway CA), in one shape
// for every transport: MQTT over TLS/WSS (mqtt/listeners.ts) and the HTTPS front
// (lib/tls-front.ts). Hex values are lower case without colons, so they compare equal
// to what pki/fingerprint.ts computes and the registry stores.

export interface PeerCert {
  /** subject CN */
  cn: string;
  /** SHA-256 of the DER, lowercase hex without colons */
  fingerprint256: string;
  /** lowercase hex */
  serialNumber: string;
  validTo: Date;
  /** the certificate itself (DER): which trusted CA signed it, its SANs (pki/trust.ts) */
  der?: Uint8Array;
}

/** What node-style `getPeerCertificate()` returns (Bun's TLS sockets), the fields we read. */
export interface RawPeerCertificate {
  subject?: { CN?: string | string[] };
  fingerprint256?: string;
  serialNumber?: string;
  valid_to?: string;
  raw?: Uint8Array;
}

/** PeerCert from `getPeerCertificate()` output; undefined when no certificate was sent. */
export function peerCertOf(c: RawPeerCertificate | null | undefined): PeerCert | undefined {
  if (!c?.subject || !c.fingerprint256) return undefined;
  const cn = Array.isArray(c.subject.CN) ? (c.subject.CN[0] ?? "") : (c.subject.CN ?? "");
  return {
    cn,
    fingerprint256: c.fingerprint256.replaceAll(":", "").toLowerCase(),
    serialNumber: (c.serialNumber ?? "").replaceAll(":", "").toLowerCase(),
    validTo: new Date(c.valid_to ?? 0),
    ...(c.raw ? { der: c.raw } : {}),
  };
}

/**
 * What identify() is handed for a verified certificate: CN, fingerprint and the DER, so a
 * certificate of a trusted company CA is named by that CA's rule (pki/trust.ts) on every transport.
 */
export function presentedOf(
  c: PeerCert,
  /** where it came from (a certificate kept for approval records it) */
  address?: string,
): { cn: string; fingerprint256: string; der?: Uint8Array; address?: string } {
  return {
    cn: c.cn,
    fingerprint256: c.fingerprint256,
    ...(c.der ? { der: c.der } : {}),
    ...(address ? { address } : {}),
  };
}
