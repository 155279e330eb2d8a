// What the SuperMQ domain benches share: ONE `neo serve` (token auth on, temp data dir,
// killed by its PID), an admin user's access key, domains with clients (and a channel they
// are connected to), and a raw MQTT v3.1.1 connection. Used by domains-connect.ts and
// domains-fanin.ts.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqttPacket from "mqtt-packet";
import { killProc, waitForLine } from "../lib/proc.ts";

const ROOT = resolve(import.meta.dir, "../..");

export const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export const loadAverage = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");

export type Cred = { username: string; password?: string };

export async function startGateway() {
  const neo = [process.execPath, join(ROOT, "src/main.ts")];
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-domains-"));
  const data = ["--data", join(dir, "d")];
  const password = "bench-password-1";
  Bun.spawnSync([...neo, "shell", "user", "add", "bench", "--role", "admin", "--password-stdin", ...data], {
    stdin: new TextEncoder().encode(`${password}\n`),
  });
  const proc = Bun.spawn([...neo, "serve", ...data, "--host", "127.0.0.1"], {
    stdout: "pipe",
    stderr: "ignore",
    env: {
      ...process.env,
      NEO_HTTP_PORT: "0",
      NEO_MQTT_PORT: "0",
      NEO_MQTT_ENABLE_TOKEN_AUTH: "true",
      NEO_HTTP_ENABLE_TOKEN_AUTH: "true",
    },
  });
  const stop = async () => {
    await killProc(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ready = JSON.parse(await waitForLine(proc, (l) => l.includes('"ready"'), 20_000)) as {
      mqtt: string;
      http: string;
    };
    const http = `http://${ready.http}`;
    let access = "";
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${http}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(access ? { authorization: `Bearer ${access}` } : {}) },
        body: JSON.stringify(body),
      });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      const text = await r.text();
      return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    };
    access = (await post("/users/tokens/issue", { username: "bench", password })).access_token as string;
    /** a domain with `n` clients; with `channel`, a channel of it they are all connected to (publish) */
    const domainClients = async (route: string, n: number, channel?: string): Promise<Cred[]> => {
      const dom = await post("/domains", { name: route, route });
      const out: Cred[] = [];
      for (let i = 0; i < n; i++) {
        const c = await post(`/${dom.id}/clients`, { name: `c${i}` });
        out.push({ username: c.id as string, password: (c.credentials as { secret: string }).secret });
      }
      if (channel !== undefined) {
        await post(`/${dom.id}/channels`, { id: channel, name: channel });
        const ids = out.map((c) => c.username);
        await post(`/${dom.id}/channels/connect`, { channel_ids: [channel], client_ids: ids, types: ["publish"] });
      }
      return out;
    };
    return { proc, port: Number(ready.mqtt.split(":").pop()), http, access, post, domainClients, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export const connectPacket = (c: Cred, clientId: string) =>
  mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: true,
    keepalive: 0,
    clientId,
    username: c.username,
    ...(c.password ? { password: Buffer.from(c.password) } : {}),
  });

/** a connected raw MQTT socket (CONNACK 0 seen); every later packet goes to `onPacket` */
export function rawMqtt(port: number, c: Cred, clientId: string, onPacket?: (p: mqttPacket.Packet) => void) {
  return new Promise<net.Socket>((res, rej) => {
    const s = net.connect({ host: "127.0.0.1", port, noDelay: true });
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let up = false;
    parser.on("packet", (p) => {
      if (!up && p.cmd === "connack") {
        up = true;
        if ((p as mqttPacket.IConnackPacket).returnCode === 0) res(s);
        else rej(new Error(`CONNACK ${(p as mqttPacket.IConnackPacket).returnCode} for ${c.username}`));
      } else onPacket?.(p);
    });
    s.on("data", (d: Buffer) => parser.parse(d));
    s.on("connect", () => s.write(connectPacket(c, clientId)));
    s.on("error", rej);
  });
}
