// The HTTP server's door: startup log, token auth on every request (missing, wrong,
// expired, removed tokens; the token never logged), an open server without token auth,
// and the MQTT WebSocket upgrade. Data in and out: server-data.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { setLogLevel, setLogSink } from "../lib/log.ts";
import { startHarness, type Harness } from "./test-support.ts";

const logs: string[] = [];

const TOKEN = "app01:b:" + "a".repeat(64);
/** a reply body as the loose shape these assertions read */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
const json = async (r: Response): Promise<any> => r.json();

let h: Harness;
beforeAll(() => {
  // other test files in the same run may have changed the global log sink or level
  setLogLevel("info");
  setLogSink((l) => logs.push(l));
  h = startHarness({ tokenAuth: true });
  h.tokens.add(TOKEN, "app01");
});
afterAll(() => h.close());

const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth) => fetch(h.url + path, { headers });

describe("startup", () => {
  test("logs the real listen address and that token auth is on", () => {
    expect(logs.some((l) => l.includes(`HTTP Listen tcp://127.0.0.1:${new URL(h.url).port}`))).toBe(true);
    expect(logs.some((l) => l.includes("HTTP token authentication enabled"))).toBe(true);
    expect(new URL(h.url).port).not.toBe("0");
  });
});

describe("token auth", () => {
  test("a request without Authorization gets 401 missing authorization token", async () => {
    const r = await fetch(h.url + "/db/query?q=select%201");
    expect(r.status).toBe(401);
    expect(await json(r)).toEqual({ success: false, reason: "missing authorization token" });
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
  });

  test("a wrong token gets 401 invalid token", async () => {
    const r = await get("/db/query?q=select%201", { authorization: "Bearer app01:b:intended-wrong-value" });
    expect(r.status).toBe(401);
    expect(await json(r)).toEqual({ success: false, reason: "invalid token" });
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
  });

  test("an expired token gets 401 invalid token", async () => {
    h.tokens.add("old:b:1", "old", Date.now() - 1);
    const r = await get("/db/query?q=select%201", { authorization: "Bearer old:b:1" });
    expect(r.status).toBe(401);
    expect(await json(r)).toEqual({ success: false, reason: "invalid token" });
  });

  test("a non-bearer scheme is a 401 that says how to send the token", async () => {
    const r = await get("/db/query?q=select%201", { authorization: `Basic ${btoa("a:b")}` });
    expect(r.status).toBe(401);
    expect((await json(r)).reason).toBe("malformed authorization header: use Authorization: Bearer <token>");
  });

  test("the scheme is case-insensitive", async () => {
    const r = await get("/db/query?q=select%201", { authorization: `bEaReR ${TOKEN}` });
    expect(r.status).toBe(200);
  });

  test("every request is checked: a removed token is refused on the next request", async () => {
    h.tokens.add("tmp:b:2", "tmp");
    expect((await get("/db/query?q=select%201", { authorization: "Bearer tmp:b:2" })).status).toBe(200);
    h.tokens.tokens.delete("tmp:b:2");
    expect((await get("/db/query?q=select%201", { authorization: "Bearer tmp:b:2" })).status).toBe(401);
  });

  test("the token itself never appears in the log", () => {
    expect(logs.some((l) => l.includes("intended-wrong-value"))).toBe(false);
  });

  test("/health needs no token", async () => {
    const r = await fetch(h.url + "/health");
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body.success).toBe(true);
    expect(body.reason).toBe("ok");
    expect(typeof body.uptime).toBe("string");
  });
});

describe("without token auth", () => {
  test("/db/* is open and extra routes are served", async () => {
    const open = startHarness({
      tokenAuth: false,
      routes: [{ method: "GET", path: "/web/", who: "public", handler: () => new Response("ui") }],
    });
    try {
      expect((await fetch(open.url + "/db/query?q=select%201")).status).toBe(200);
      expect(await (await fetch(open.url + "/web/")).text()).toBe("ui");
      expect(open.tokens.calls).toBe(0);
    } finally {
      await open.close();
    }
  });
});

describe("websocket upgrade", () => {
  test("requires the mqtt subprotocol and echoes it", async () => {
    const ws = startHarness({
      tokenAuth: false,
      websocket: {
        path: "/mqtt",
        upgradeData: (req) => (req.headers.get("x-refuse") ? new Response("no", { status: 403 }) : { n: 1 }),
        handlers: {
          message(sock, msg) {
            sock.send(`echo:${String(msg)}`);
          },
        },
      },
    });
    try {
      const bad = await fetch(ws.url + "/mqtt", {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
        },
      });
      expect(bad.status).toBe(400);
      const sock = new WebSocket(ws.url.replace("http", "ws") + "/mqtt", ["mqtt"]);
      const reply = await new Promise<string>((resolve, reject) => {
        sock.onopen = () => sock.send("hi");
        sock.onmessage = (e) => resolve(String(e.data));
        sock.onerror = () => reject(new Error("ws error"));
      });
      expect(sock.protocol).toBe("mqtt");
      expect(reply).toBe("echo:hi");
      sock.close();
    } finally {
      await ws.close();
    }
  });
});
