// The local brokers the bridge benches compare, each bridging to the upstream through the
// bench's relay: neo's Bridge block and Mosquitto's own `connection` block. One way to
// write each config and start each broker, for bench/bridge.ts and bench/bridge-recover.ts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, waitForPort } from "../lib/proc.ts";

const MOSQUITTO = "/usr/sbin/mosquitto";
type Spawn = (cmd: string[], stdout?: "pipe" | "ignore") => Subprocess;

export interface Local {
  port: number;
  proc: Subprocess;
}
export type Starter = () => Promise<Local>;

export interface BridgeSpec {
  /** the relay's port the bridge dials */
  linkPort: number;
  clientId: string;
  /** extra lines inside neo's Bridge block, e.g. `KeepAlive = 5` */
  neo?: string[];
  /** extra Mosquitto lines before the `connection` block */
  mosquitto?: string[];
  /** extra Mosquitto lines inside the `connection` block */
  mosquittoBridge?: string[];
  /** how to run neo (default `bun src/main.ts`) */
  neoCmd?: string[];
}

/** neo with a Bridge "cloud" forwarding bench/# as sites/neo/...; each call starts it again */
export function neoStarter(dir: string, spawn: Spawn, b: BridgeSpec): Starter {
  const conf = join(dir, "neo.conf");
  const lines = [
    `Address = "mqtt://127.0.0.1:${b.linkPort}"`,
    `ClientId = "${b.clientId}"`,
    "Protocol = 4",
    'Forward = ["bench/#"]',
    'Prefix = "sites/neo/"',
    ...(b.neo ?? []),
  ];
  writeFileSync(conf, `Log { Level = "warn" }\nBridge "cloud" {\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`);
  const cmd = b.neoCmd ?? ["bun", "src/main.ts"];
  const args = ["serve", "--config", conf, "--data", join(dir, "data"), "--host", "127.0.0.1"];
  return async () => {
    const proc = spawn([...cmd, ...args, "--mqtt-port", "0", "--http-port", "0"], "pipe");
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("neo exited before its ready line");
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const ready = JSON.parse(text.split("\n")[0] ?? "{}") as { mqtt: string };
    return { port: Number(ready.mqtt.split(":").at(-1)), proc };
  };
}

/** Mosquitto with a `connection cloud` forwarding bench/# as sites/mosquitto/...; same port on restart */
export function mosquittoStarter(dir: string, spawn: Spawn, b: BridgeSpec): Starter {
  let port = 0;
  return async () => {
    port ||= await freePort();
    const conf = join(dir, "local.conf");
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous true",
        "log_dest none",
        ...(b.mosquitto ?? []),
        ...(process.getuid?.() === 0 ? ["user root"] : []),
        "connection cloud",
        `address 127.0.0.1:${b.linkPort}`,
        'topic bench/# out 1 "" sites/mosquitto/',
        "cleansession false",
        `clientid ${b.clientId}`,
        "bridge_protocol_version mqttv311",
        "restart_timeout 1 60",
        ...(b.mosquittoBridge ?? []),
        "",
      ].join("\n"),
    );
    const proc = spawn([MOSQUITTO, "-c", conf]);
    await waitForPort(port, 5000);
    return { port, proc };
  };
}
