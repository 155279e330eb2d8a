// mTLS handshake + CONNECT per second with a client certificate from a trusted external CA
// (Tls.TrustedCA, Policy "ca", Identity "cn") vs one the gateway issued, against ONE neo in
// the same run (issue 22): `bun bench/micro/mtls-ca.ts [--slices 10] [--slice-ms 1000] [--lanes 4]`.
// Both certificates are EC P-256 (openssl for the company CA, `neo shell key gen` for neo's).
// Slices alternate between the two; per kind: the median connects/s and the broker's CPU
// microseconds per connect (/proc/<pid>/stat). The server is killed by PID at the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import tls from "node:tls";
import mqttPacket from "mqtt-packet";
import { killProc, procCpuSeconds, waitForLine } from "../lib/proc.ts";

const ROOT = resolve(import.meta.dir, "../..");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};
const slices = Number(arg("slices", "10"));
const sliceMs = Number(arg("slice-ms", "1000"));
const LANES = Number(arg("lanes", "4"));
const neo = [process.execPath, join(ROOT, "src/main.ts")];
const dir = mkdtempSync(join(tmpdir(), "neo-bench-mtls-ca-"));
const f = (n: string) => join(dir, n);
const sh = (cmd: string[]) => {
  const r = Bun.spawnSync(cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
};
const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
sh([
  "openssl",
  "req",
  "-x509",
  ...ec,
  "-keyout",
  f("ca.key"),
  "-out",
  f("ca.crt"),
  "-days",
  "2",
  "-subj",
  "/CN=Bench Co CA",
]);
sh(["openssl", "req", ...ec, "-keyout", f("co.key"), "-out", f("co.csr"), "-subj", "/CN=co-dev"]);
sh([
  "openssl",
  "x509",
  "-req",
  "-in",
  f("co.csr"),
  "-CA",
  f("ca.crt"),
  "-CAkey",
  f("ca.key"),
  "-CAcreateserial",
  "-out",
  f("co.crt"),
  "-days",
  "2",
]);
writeFileSync(
  f("neo.conf"),
  `Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\nTls {\n  TrustedCA "co" {\n    File = "${f("ca.crt")}"\n    Policy = "ca"\n  }\n}\n`,
);
const data = ["--data", f("d")];
for (const id of ["co-dev", "neo-dev"]) sh([...neo, "shell", "key", "gen", id, "--output", f(id), ...data]);
sh([...neo, "shell", "key", "server-cert", "--output", f("neo-ca.crt"), ...data]);
const proc = Bun.spawn([...neo, "serve", "--config", f("neo.conf"), ...data, "--host", "127.0.0.1"], {
  stdout: "pipe",
  stderr: "ignore",
  env: { ...process.env, NEO_HTTP_PORT: "0", NEO_MQTT_PORT: "0" },
});
const line = await waitForLine(proc, (l) => l.includes('"ready"'), 20_000);
const port = Number((JSON.parse(line) as { mqtt: string }).mqtt.split(":").pop());
const ca = await Bun.file(f("neo-ca.crt")).text();
const kinds = [
  {
    name: "trusted external CA",
    id: "co-dev",
    cert: await Bun.file(f("co.crt")).text(),
    key: await Bun.file(f("co.key")).text(),
  },
  {
    name: "neo-issued",
    id: "neo-dev",
    cert: await Bun.file(f("neo-dev_cert.pem")).text(),
    key: await Bun.file(f("neo-dev_key.pem")).text(),
  },
].map((k) => ({ ...k, rates: [] as number[], cpuUs: [] as number[], refused: 0 }));
type Kind = (typeof kinds)[number];
const disconnect = mqttPacket.generate({ cmd: "disconnect" });

function once(k: Kind, lane: number): Promise<boolean> {
  const packet = mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    // a certificate alone: the client id is the certificate's (one per lane would be taken over)
    clientId: k.id,
  });
  void lane;
  return new Promise((res) => {
    const s = tls.connect({ host: "127.0.0.1", port, ca, cert: k.cert, key: k.key, servername: "localhost" });
    let done = false;
    const end = (ok: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      res(ok);
    };
    s.on("secureConnect", () => s.write(packet));
    s.on("data", (d: Buffer) => {
      if (d.length >= 4 && d[0] === 0x20) {
        s.write(disconnect);
        end(d[3] === 0);
      }
    });
    s.on("error", () => end(false));
    s.on("close", () => end(false));
  });
}

async function slice(k: Kind, record: boolean) {
  const cpu0 = procCpuSeconds(proc.pid);
  const t0 = performance.now();
  const until = t0 + sliceMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      while (performance.now() < until) {
        if (await once(k, lane)) n++;
        else k.refused++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = procCpuSeconds(proc.pid) - cpu0;
  if (!record || n === 0) return;
  k.rates.push(n / secs);
  k.cpuUs.push((cpu * 1e6) / n);
}
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

try {
  for (const k of kinds) await slice(k, false);
  for (let i = 0; i < slices; i++) for (const k of i % 2 === 0 ? kinds : [...kinds].reverse()) await slice(k, true);
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  for (const k of kinds)
    console.log(
      `${k.name}: ${Math.round(median(k.rates)).toLocaleString("en")} mTLS handshakes + CONNECT/s, ${median(k.cpuUs).toFixed(0)} µs broker CPU per connect, ${k.refused} refused`,
    );
  const [ext, own] = kinds as [Kind, Kind];
  console.log(
    `external/neo-issued: ${(median(ext.rates) / median(own.rates)).toFixed(3)} connects/s, ${(median(own.cpuUs) / median(ext.cpuUs)).toFixed(3)} connects per CPU second (medians of ${slices} x ${sliceMs} ms, ${LANES} lanes, load ${load})`,
  );
} finally {
  await killProc(proc);
  rmSync(dir, { recursive: true, force: true });
}
