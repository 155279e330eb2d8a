// The two local brokers bench/bridge.ts compares, each with a bridge to the upstream
// through the bench's relay: neo's Bridge block and Mosquitto's own `connection` block.
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

export function neoStarter(dir: string, linkPort: number, spawn: Spawn): Starter {
  const conf = join(dir, "neo.conf");
  writeFileSync(
    conf,
    `Log { Level = "warn" }
Bridge "cloud" {
  Address = "mqtt://127.0.0.1:${linkPort}"
  ClientId = "neo-bench"
  Protocol = 4
  Forward = ["bench/#"]
  Prefix = "sites/neo/"
  Buffer { MaxMessages = 2000000, MaxBytes = "1GB" }
}
`,
  );
  return async () => {
    const proc = spawn(
      [
        "bun",
        "src/main.ts",
        "serve",
        "--config",
        conf,
        "--data",
        join(dir, "data"),
        "--host",
        "127.0.0.1",
        "--mqtt-port",
        "0",
        "--http-port",
        "0",
      ],
      "pipe",
    );
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

export function mosquittoStarter(dir: string, linkPort: number, spawn: Spawn): Starter {
  let port = 0;
  return async () => {
    port ||= await freePort();
    const conf = join(dir, "local.conf");
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous true",
        "persistence true",
        `persistence_location ${dir}/`,
        "set_tcp_nodelay true",
        "log_dest none",
        // Mosquitto's default (1000) would drop everything past 1000 queued messages
        "max_queued_messages 2000000",
        // the bridge's window: neo keeps up to 1000 in flight, Mosquitto's default is 20
        "max_inflight_messages 1000",
        ...(process.getuid?.() === 0 ? ["user root"] : []),
        "connection cloud",
        `address 127.0.0.1:${linkPort}`,
        'topic bench/# out 1 "" sites/mosquitto/',
        "cleansession false",
        "clientid mosquitto-bench",
        "bridge_protocol_version mqttv311",
        "restart_timeout 1 60",
        "",
      ].join("\n"),
    );
    const proc = spawn([MOSQUITTO, "-c", conf]);
    await waitForPort(port, 5000);
    return { port, proc };
  };
}
