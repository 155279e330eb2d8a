// The HTTP and WebSocket channel adapters for callers without credentials: with HTTP
// token auth off, Auth.AnonymousScopes decides (curl, Bun's WebSocket client, MQTT.js);
// with token auth on, credentials stay required whatever AnonymousScopes says.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { eventually, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway, type Gateway } from "./fixture.ts";

const ANON = 'Auth {\n  AnonymousScopes = ["channels:publish:open-ch", "channels:subscribe:open-ch"]\n}\n';
const open = useGateway({ config: ANON, keys: ["thing-1"] });
const strict = useGateway({ args: TOKEN_AUTH, config: ANON, keys: ["thing-1"] });

const SENML = '[{"n":"temp","v":21.5},{"n":"hum","v":40}]';

async function post(gw: Gateway, channel: string, headers: string[] = []) {
  const r = await run([
    "curl",
    "-s",
    "-o",
    "-",
    "-w",
    "\n%{http_code}",
    "-X",
    "POST",
    "-H",
    "Content-Type: application/senml+json",
    ...headers.flatMap((h) => ["-H", h]),
    "--data",
    SENML,
    `${gw.srv.httpUrl}/http/channels/${channel}/messages`,
  ]);
  const lines = r.stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n")) as { success: boolean; reason: string } };
}

const shell = async (gw: Gateway, ...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", gw.srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};

/** a WebSocket on the channel: whether it opened, and its messages */
async function socket(gw: Gateway, channel: string) {
  const ws = new WebSocket(`${gw.srv.httpUrl.replace(/^http/, "ws")}/ws/channels/${channel}/messages`);
  const got: string[] = [];
  ws.onmessage = (e) => got.push(String(e.data));
  const opened = await new Promise<boolean>((resolve) => {
    ws.onopen = () => resolve(true);
    ws.onerror = () => resolve(false);
    ws.onclose = () => resolve(false);
  });
  return { ws, opened, got };
}

describe("token auth off: Auth.AnonymousScopes connects credential-less callers to channels", () => {
  test("curl without credentials posts to the channel AnonymousScopes names (202, stored) and not to another (401)", async () => {
    await shell(open, "channel", "create", "open-ch");
    await shell(open, "channel", "create", "closed-ch");
    const ok = await post(open, "open-ch");
    expect(ok.status).toBe(202);
    const rows = await open.query("select NAME, VALUE from OPEN_CH order by NAME");
    expect(rows.body.data.rows).toEqual([
      ["hum", 40],
      ["temp", 21.5],
    ]);
    const no = await post(open, "closed-ch");
    expect(no.status).toBe(401);
    expect(no.body.reason).toContain("missing credentials");
    expect(no.body.reason).toContain("closed-ch");
    // an unknown channel without credentials: the same 401, nothing said about its existence
    expect((await post(open, "never-made")).status).toBe(401);
    // a credential that is sent is checked, never dropped for anonymous
    const bad = await post(open, "open-ch", ["Authorization: Thing not-a-token"]);
    expect(bad.status).toBe(401);
    expect(bad.body.reason).toBe("invalid token");
  });

  test("a WebSocket without credentials on the open channel gets MQTT messages and publishes frames; on another it is refused", async () => {
    const s = await socket(open, "open-ch");
    expect(s.opened).toBe(true);
    const thing = open.keys["thing-1"]!;
    await shell(open, "channel", "connect", "open-ch", "thing-1");
    const c = await mqtt.connectAsync(open.url, { username: "thing-1", password: thing.token, reconnectPeriod: 0 });
    try {
      await c.subscribeAsync("channels/open-ch/messages", { qos: 1 });
      const heard = new Promise<string>((resolve) =>
        c.on("message", (_, p) => String(p) === "from-socket" && resolve(String(p))),
      );
      await c.publishAsync("channels/open-ch/messages", "from-mqtt", { qos: 1 });
      await eventually(() => s.got.includes("from-mqtt"));
      s.ws.send("from-socket");
      expect(await heard).toBe("from-socket");
    } finally {
      s.ws.close();
      await c.endAsync();
    }
    const refused = await fetch(`${open.srv.httpUrl}/ws/channels/closed-ch/messages`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(refused.status).toBe(401);
  });
});

describe("reloading Auth.AnonymousScopes", () => {
  test("taking the channel out of AnonymousScopes with SIGHUP closes the anonymous socket (1008) and refuses new posts (401)", async () => {
    const s = await socket(open, "open-ch");
    expect(s.opened).toBe(true);
    const closed = new Promise<number>((resolve) => {
      s.ws.onclose = (e) => resolve(e.code);
    });
    await Bun.write(join(open.dir, "neo.conf"), 'Auth {\n  AnonymousScopes = ["topics:subscribe:#"]\n}\n');
    open.srv.proc.kill("SIGHUP");
    await open.srv.waitForLog(/config reloaded/);
    expect(await closed).toBe(1008);
    expect((await post(open, "open-ch")).status).toBe(401);
  });
});

describe("token auth on: credentials stay required", () => {
  test("the same AnonymousScopes let no credential-less caller in over HTTP or WebSocket (401), a token still works", async () => {
    await shell(strict, "channel", "create", "open-ch");
    await shell(strict, "channel", "connect", "open-ch", "thing-1");
    const no = await post(strict, "open-ch");
    expect(no.status).toBe(401);
    expect(no.body.reason).toContain("missing credentials");
    const s = await socket(strict, "open-ch");
    expect(s.opened).toBe(false);
    const yes = await post(strict, "open-ch", [`Authorization: Thing ${strict.keys["thing-1"]!.token}`]);
    expect(yes.status).toBe(202);
  });
});
