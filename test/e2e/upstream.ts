// Fixtures for the bridge tests: Debian's mosquitto as the upstream broker (persistence
// on, started and stopped by PID on a free loopback port), a throwaway openssl CA that
// signs the gateway's own certificate request, and a persistent upstream subscriber.
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Subprocess } from "bun";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { run } from "./harness.ts";

export const MOSQUITTO = "/usr/sbin/mosquitto";

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (s) => {
        s.end();
        return true;
      },
      () => false,
    );
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

export interface UpstreamTls {
  ca: string;
  cert: string;
  key: string;
}

export interface Upstream {
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGTERM by PID (mosquitto saves its persistence file), await the exit */
  stop(): Promise<void>;
  log(): Promise<string>;
}

export async function createUpstream(dir: string, tls?: UpstreamTls): Promise<Upstream> {
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    "allow_anonymous true",
    "persistence true",
    `persistence_location ${dir}/`,
    "max_queued_messages 0",
    "set_tcp_nodelay true",
    `log_dest file ${join(dir, "mosquitto.log")}`,
  ];
  if (process.getuid?.() === 0) lines.push("user root");
  if (tls)
    lines.push(
      `cafile ${tls.ca}`,
      `certfile ${tls.cert}`,
      `keyfile ${tls.key}`,
      "require_certificate true",
      "use_identity_as_username true",
    );
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, `${lines.join("\n")}\n`);
  let proc: Subprocess | null = null;
  return {
    port,
    url: `${tls ? "mqtts" : "mqtt"}://127.0.0.1:${port}`,
    async start() {
      proc = Bun.spawn([MOSQUITTO, "-c", conf], { stdout: "ignore", stderr: "ignore" });
      await waitForPort(port, 5000);
    },
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), 5000);
      await p.exited;
      clearTimeout(t);
    },
    log: () => Bun.file(join(dir, "mosquitto.log")).text(),
  };
}

/** An openssl CA for the upstream: its server certificate, and signing of certificate requests. */
export async function makeUpstreamCa(dir: string) {
  const f = (n: string) => join(dir, n);
  const ok = async (cmd: string[]) => {
    const r = await run(cmd);
    if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  };
  await ok(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("ca.key")]);
  await ok([
    "openssl",
    "req",
    "-x509",
    "-new",
    "-key",
    f("ca.key"),
    "-subj",
    "/CN=upstream test CA",
    "-days",
    "2",
    "-out",
    f("ca.crt"),
  ]);
  const sign = async (csr: string, out: string, ext: string) => {
    writeFileSync(`${out}.ext`, ext);
    await ok([
      "openssl",
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      f("ca.crt"),
      "-CAkey",
      f("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-sha256",
      "-extfile",
      `${out}.ext`,
      "-out",
      out,
    ]);
  };
  const issue = async (name: string, cn: string, ext: string) => {
    await ok(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f(`${name}.key`)]);
    await ok(["openssl", "req", "-new", "-key", f(`${name}.key`), "-subj", `/CN=${cn}`, "-out", f(`${name}.csr`)]);
    await sign(f(`${name}.csr`), f(`${name}.crt`), ext);
  };
  await issue("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  await issue("client", "test-subscriber", "extendedKeyUsage=clientAuth\n");
  return {
    ca: f("ca.crt"),
    server: { ca: f("ca.crt"), cert: f("server.crt"), key: f("server.key") } satisfies UpstreamTls,
    client: { cert: f("client.crt"), key: f("client.key") },
    /** sign a certificate request (e.g. from `neo bridge identity`) as a client certificate */
    signClient: (csr: string, out: string) => sign(csr, out, "extendedKeyUsage=clientAuth\n"),
  };
}

export interface Received {
  topic: string;
  payload: string;
  dup: boolean;
  /** ms since the epoch when it arrived */
  at: number;
}

/** A persistent-session subscriber on the upstream; it reconnects by itself after outages. */
export async function upstreamSubscriber(url: string, filter: string, extra: IClientOptions = {}) {
  const got: Received[] = [];
  // handlers first: a resumed session's queued messages arrive right behind the CONNACK
  const client: MqttClient = mqtt.connect(url, {
    clientId: `sub-${Math.random().toString(36).slice(2, 8)}`,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 100,
    connectTimeout: 3000,
    rejectUnauthorized: true,
    ...extra,
  });
  client.on("error", () => {});
  client.on("message", (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString(), dup: packet.dup, at: Date.now() }),
  );
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  await client.subscribeAsync(filter, { qos: 1 });
  return { got, client, close: () => client.endAsync(true) };
}
