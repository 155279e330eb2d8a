// Mainflux's documented WebSocket clients against neo: the `ws` (Node) WSS script with
// `?authorization=<token>` and the client certificate, both directions; the certificate
// alone, or with another client's token beside it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, ROOT, startServer, tempDir, type Server } from "./harness.ts";
import { writeConf, type Key } from "./tls-fixture.ts";

let srv: Server;
let dir: string;
let ca: string;
let thing: Key;
let stranger: Key;

const shell = async (s: Server, ...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", s.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};
const _https = (path: string, init: RequestInit = {}) =>
  fetch(`${srv.httpUrl}${path}`, { ...init, tls: { ca: Bun.file(ca) } } as RequestInit);
beforeAll(async () => {
  dir = tempDir("neo-mainflux-");
  const conf = await writeConf(
    dir,
    'Http {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\nMqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
  );
  srv = await startServer(["--config", conf]);
  ca = join(dir, "ca.crt");
  expect((await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data])).code).toBe(0);
  [thing, stranger] = await Promise.all([genKey(srv.data, "thing-1"), genKey(srv.data, "stranger")]);
  await shell(srv, "channel", "create", "ch-1");
  await shell(srv, "channel", "connect", "ch-1", "thing-1");
}, 30_000);
afterAll(async () => {
  await srv?.stop();
  if (srv) cleanup(srv.data);
  cleanup(dir);
});

describe("Mainflux clients over WSS with the client certificate", () => {
  test("Mainflux's documented ws (Node) script with ?authorization= and the certificate works both ways", async () => {
    const script = join(dir, "ws-client.js");
    // the documentation's script, with real values filled in; it prints what it receives
    await Bun.write(
      script,
      `const WebSocket = require('ws');
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
const ws = new WebSocket('wss://127.0.0.1:${new URL(srv.httpUrl).port}/ws/channels/ch-1/messages?authorization=${thing.token}',
{
    cert: ${JSON.stringify(await Bun.file(thing.cert).text())},
    key: ${JSON.stringify(await Bun.file(thing.key).text())}
})
ws.on('open', () => {
    ws.send('something')
})
ws.on('message', (data) => {
    console.log(String(data))
})
ws.on('error', (e) => {
    console.log(e)
})
`,
    );
    const sub = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      username: "thing-1",
      password: thing.token,
      clientId: "thing-1",
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(thing.cert).text(),
      key: await Bun.file(thing.key).text(),
      reconnectPeriod: 0,
    });
    await sub.subscribeAsync("channels/ch-1/messages", { qos: 1 });
    const fromWs = new Promise<string>((resolve) => sub.on("message", (_t, p) => resolve(p.toString())));
    const node = Bun.spawn(["node", script], {
      env: { ...process.env, NODE_PATH: join(ROOT, "node_modules") },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      expect(await fromWs).toBe("something");
      let out = "";
      const reader = (async () => {
        for await (const chunk of node.stdout) out += new TextDecoder().decode(chunk);
      })();
      await eventually(async () => {
        await sub.publishAsync("channels/ch-1/messages", "from mqtt", { qos: 1 });
        return out.includes("from mqtt");
      }, 8000);
      void reader;
    } finally {
      node.kill();
      await node.exited;
      await sub.endAsync();
    }
  });

  test("WSS with the certificate alone is let in; with another client's token beside it, 403", async () => {
    const tls = {
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(thing.cert).text(),
      key: await Bun.file(thing.key).text(),
    };
    const ws = new WebSocket(`wss://127.0.0.1:${new URL(srv.httpUrl).port}/ws/channels/ch-1/messages`, {
      tls,
    } as unknown as string[]);
    const opened = await new Promise<boolean>((resolve) => {
      ws.onopen = () => resolve(true);
      ws.onerror = () => resolve(false);
    });
    ws.close();
    expect(opened).toBe(true);
    const mixed = await fetch(`${srv.httpUrl}/ws/channels/ch-1/messages?authorization=${stranger.token}`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
      tls,
    } as RequestInit);
    expect(mixed.status).toBe(403);
  });
});
