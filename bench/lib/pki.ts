// A throwaway openssl CA for the Mosquitto TLS runs: ECDSA P-256, like neo's own.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./proc.ts";

export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function issue(dir: string, name: string, subj: string, ext: string): Promise<void> {
  const key = join(dir, `${name}.key`),
    csr = join(dir, `${name}.csr`),
    extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  await run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
  await run(["openssl", "req", "-new", "-key", key, "-subj", subj, "-out", csr]);
  await run([
    "openssl",
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    join(dir, "ca.crt"),
    "-CAkey",
    join(dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-sha256",
    "-extfile",
    extFile,
    "-out",
    join(dir, `${name}.crt`),
  ]);
}

export async function makePki(dir: string, clientCn: string): Promise<TestPki> {
  await run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", join(dir, "ca.key")]);
  await run([
    "openssl",
    "req",
    "-x509",
    "-new",
    "-key",
    join(dir, "ca.key"),
    "-subj",
    "/CN=bench CA",
    "-days",
    "2",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    join(dir, "ca.crt"),
  ]);
  await issue(
    dir,
    "server",
    "/CN=localhost",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  await issue(dir, "client", `/CN=${clientCn}`, "extendedKeyUsage=clientAuth\n");
  return {
    ca: join(dir, "ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
  };
}
