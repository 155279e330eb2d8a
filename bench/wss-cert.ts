// `bun bench/wss-cert.ts [connects=200] [messages=5000]`: what client certificates on a
// wss:// MQTT listener cost (the TLS front, src/lib/tls-front.ts, pipes to a loopback
// Bun.serve because Bun.serve cannot show the certificate). The real gateway (`neo serve`,
// a child process) runs three listeners: wss:// with a token, wss:// with ClientAuth
// "require" (certificate alone), tls:// with ClientAuth "require". MQTT.js in this process
// measures sequential full connects (TLS handshake + CONNECT/CONNACK + DISCONNECT) and
// QoS 1 publishes on one connection (100 in flight), each listener in turn, twice.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";

const CONNECTS = Number(process.argv[2] ?? 200);
const MESSAGES = Number(process.argv[3] ?? 5000);
const ROOT = join(import.meta.dir, "..");
const NEO = [process.execPath, join(ROOT, "src/main.ts")];

const CONF = `Mqtt {
  EnableTokenAuth = true
  Listener "wss-token" { Address = "wss://127.0.0.1:0" }
  Listener "wss-cert" {
    Address = "wss://127.0.0.1:0"
    ClientAuth = "require"
  }
  Listener "tls-cert" {
    Address = "tls://127.0.0.1:0"
    ClientAuth = "require"
  }
}
`;

const dir = mkdtempSync(join(tmpdir(), "neo-bench-wss-"));
const data = join(dir, "data");
await Bun.write(join(dir, "neo.conf"), CONF);
const proc = Bun.spawn([...NEO, "serve", "--config", join(dir, "neo.conf"), "--data", data, "--http-port", "0"], {
  stdout: "pipe",
  stderr: "ignore",
  env: { ...process.env, NEO_LOG_LEVEL: "error" },
});
try {
  const reader = proc.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) buf += new TextDecoder().decode((await reader.read()).value);
  const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as { mqttListeners: { name: string; address: string }[] };
  const port = (name: string) =>
    ready.mqttListeners
      .find((l) => l.name === name)
      ?.address.split(":")
      .at(-1);
  const neo = (args: string[]) => Bun.spawnSync([...NEO, ...args, "--data", data]);
  neo(["shell", "key", "server-cert", "--output", join(dir, "neo.crt")]);
  neo(["shell", "key", "gen", "bench1", "--output", join(dir, "bench1")]);
  const ca = readFileSync(join(dir, "neo.crt"));
  const cert = readFileSync(join(dir, "bench1_cert.pem"));
  const key = readFileSync(join(dir, "bench1_key.pem"));
  const token = readFileSync(join(dir, "bench1_token"), "utf8").trim();
  const modes = {
    "wss://, token (no client certificate)": () =>
      mqtt.connectAsync(`wss://127.0.0.1:${port("wss-token")}/mqtt`, {
        ca,
        servername: "localhost",
        clientId: "bench1",
        username: token,
        reconnectPeriod: 0,
      }),
    "wss://, client certificate (TLS front)": () =>
      mqtt.connectAsync(`wss://127.0.0.1:${port("wss-cert")}/mqtt`, {
        ca,
        cert,
        key,
        servername: "localhost",
        clientId: "bench1",
        reconnectPeriod: 0,
      }),
    "tls://, client certificate (Bun.listen)": () =>
      mqtt.connectAsync(`mqtts://127.0.0.1:${port("tls-cert")}`, {
        ca,
        cert,
        key,
        servername: "localhost",
        clientId: "bench1",
        reconnectPeriod: 0,
      }),
  };
  for (let round = 1; round <= 2; round++) {
    for (const [label, connect] of Object.entries(modes)) {
      let t = performance.now();
      for (let i = 0; i < CONNECTS; i++) await (await connect()).endAsync();
      const perSec = CONNECTS / ((performance.now() - t) / 1000);
      const c = await connect();
      t = performance.now();
      for (let i = 0; i < MESSAGES; i += 100)
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => c.publishAsync(`bench/${j}`, "x".repeat(64), { qos: 1 })),
        );
      const msgs = MESSAGES / ((performance.now() - t) / 1000);
      await c.endAsync();
      console.log(
        `round ${round}  ${label.padEnd(42)} ${perSec.toFixed(0).padStart(5)} connects/s  ${msgs.toFixed(0).padStart(6)} QoS1 msg/s`,
      );
    }
  }
} finally {
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
}
