// The brute-force guard against real clients: wrong tokens from 127.0.0.2 over MQTT (raw
// CONNECTs, v3.1.1 and v5) and HTTP (curl) get that address banned, while a valid client
// on 127.0.0.1 keeps connecting; `neo shell ban` lists and lifts the ban; hammering the
// web login does not lock the admin out.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, run, type Server, startServer } from "./harness.ts";
import { connack } from "./mqtt-connack.ts";

let srv: Server;
let token: string;
const ATTACKER = "127.0.0.2";

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"]);
  token = (await genKey(srv.data, "sensor1")).token;
});
afterAll(async () => {
  await srv.stop();
  cleanup(srv.data);
});

/** run `count` attempts, `parallel` at a time */
async function pool<T>(count: number, parallel: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

const wrongToken = (i: number) => `sensor1:b:${i.toString(16).padStart(64, "0")}`;

describe("brute-force guard", () => {
  test("2,000 wrong tokens from one address over MQTT and HTTP are throttled while a valid client on another address connects", async () => {
    const t0 = performance.now();
    // 1,000 MQTT CONNECTs with wrong tokens, alternating v3.1.1 and v5
    const mqttCodes = await pool(1000, 20, (i) =>
      connack({
        port: srv.mqttPort,
        localAddress: ATTACKER,
        clientId: `bad-${i}`,
        username: wrongToken(i),
        protocolVersion: i % 2 ? 5 : 4,
      }),
    );
    // the first failures are answered as not authorized, then the ban: v5 0x9F, v3.1.1 5
    const v5 = mqttCodes.filter((_, i) => i % 2 === 1);
    const v3 = mqttCodes.filter((_, i) => i % 2 === 0);
    expect(v5.filter((c) => c === 0x9f).length).toBeGreaterThan(480);
    expect(v3.every((c) => c === 5)).toBe(true);
    expect(mqttCodes.includes(0)).toBe(false);

    // 1,000 HTTP requests with wrong bearer tokens, from curl bound to 127.0.0.2
    const cfg = join(srv.data, "curl-attack.cfg");
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      // `next` starts a fresh option set, so each request carries only its own header
      if (i > 0) lines.push("next");
      lines.push(`url = "${srv.httpUrl}/db/query?q=select+1"`, `header = "Authorization: Bearer ${wrongToken(i)}"`);
      lines.push(
        'write-out = "%{http_code} %header{retry-after}\\n"',
        'output = "/dev/null"',
        `interface = ${ATTACKER}`,
      );
    }
    writeFileSync(cfg, lines.join("\n"));
    const r = await run(["curl", "-s", "--interface", ATTACKER, "--parallel", "--parallel-max", "20", "-K", cfg], {
      timeoutMs: 60_000,
    });
    const answers = r.stdout.trim().split("\n");
    expect(answers).toHaveLength(1000);
    const banned = answers.filter((a) => a.startsWith("429 "));
    expect(banned.length).toBe(1000); // the MQTT failures already banned the address
    expect(Number(banned[0]!.split(" ")[1])).toBeGreaterThan(0);

    // meanwhile the valid client on 127.0.0.1: MQTT and HTTP work as usual
    const pub = await run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "-u",
        token,
        "-t",
        "db/write/EXAMPLE",
        "-m",
        '[["a",1,1]]',
        "-q",
        "1",
      ],
      { timeoutMs: 10_000 },
    );
    expect(pub.code).toBe(0);
    const ok = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      `Authorization: Bearer ${token}`,
      `${srv.httpUrl}/db/query?q=select+1`,
    ]);
    expect(ok.stdout).toBe("200");
    expect(await connack({ port: srv.mqttPort, clientId: "good", username: token, protocolVersion: 5 })).toBe(0);
    // bounded: the whole storm is answered quickly because banned attempts cost no hashing
    expect(performance.now() - t0).toBeLessThan(60_000);
    await srv.waitForLog(/guard: 127\.0\.0\.2 banned for 60s after 10 failed authentications/);

    // the audit trail has the ban and the storm's first refusals in full (Audit.RefusalsInFull
    // per address and minute; the rest become one count row per minute, see abuse-audit)
    const events = await eventually(async () => {
      const r = await neo(["shell", "audit", "--data", srv.data, "--format", "json", "--limit", "5000"]);
      const all = JSON.parse(r.stdout) as {
        kind: string;
        action: string;
        result: string;
        address?: string;
        reason?: string;
      }[];
      return all.some((e) => e.address === ATTACKER && e.kind === "ban") ? all : undefined;
    }, 10_000);
    const attacker = events.filter((e) => e.address === ATTACKER);
    expect(attacker.filter((e) => e.kind === "ban")).toHaveLength(1);
    const full = attacker.filter((e) => e.kind === "auth" && e.action !== "refused");
    expect(full.length).toBeGreaterThanOrEqual(10);
    expect(full.length).toBeLessThanOrEqual(30); // at most 10 per minute the storm touched
  });

  test("`neo shell ban list` shows the ban and `neo shell ban clear` lifts it for the running server", async () => {
    const list = await neo(["shell", "ban", "list", "--data", srv.data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("ADDRESS");
    expect(list.stdout).toContain(ATTACKER);
    const json = JSON.parse((await neo(["shell", "ban", "list", "--data", srv.data, "--format", "json"])).stdout);
    expect(json[0]).toMatchObject({ address: ATTACKER, failures: 10, level: 0 });
    const clear = await neo(["shell", "ban", "clear", ATTACKER, "--data", srv.data]);
    expect(clear.stdout).toBe("lifted 1 ban\n");
    await eventually(
      async () =>
        (await connack({ port: srv.mqttPort, localAddress: ATTACKER, clientId: "back", username: token })) === 0,
    );
    expect((await neo(["shell", "ban", "list", "--data", srv.data])).stdout).toBe("no address is banned\n");
  });

  test("an attacker hammering the web login is banned; the admin on another address still logs in every time", async () => {
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    const login = (pw: string, iface?: string) =>
      run([
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        ...(iface ? ["--interface", iface] : []),
        "-H",
        "content-type: application/json",
        "-d",
        JSON.stringify({ loginName: "admin", password: pw }),
        `${srv.httpUrl}/web/api/login`,
      ]).then((x) => x.stdout);
    const attacker = pool(30, 5, (i) => login(`guess-${i}-xxxx`, "127.0.0.3"));
    const admin = pool(10, 1, () => login(password));
    const [bad, good] = await Promise.all([attacker, admin]);
    expect(good.every((c) => c === "200")).toBe(true);
    expect(bad.filter((c) => c === "401").length).toBeLessThanOrEqual(10);
    expect(bad.filter((c) => c === "429").length).toBeGreaterThanOrEqual(20);
  });

  test("guessing the admin's password from 10 rotating addresses is slowed per user while the admin logs in at once", async () => {
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    const login = (pw: string, iface?: string) =>
      run(
        [
          "curl",
          "-s",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          ...(iface ? ["--interface", iface] : []),
          "-H",
          "content-type: application/json",
          "-d",
          JSON.stringify({ loginName: "admin", password: pw }),
          `${srv.httpUrl}/web/api/login`,
        ],
        { timeoutMs: 60_000 },
      ).then((x) => x.stdout);
    // 10 addresses x 4 guesses: below the per-address limit, so no address is banned
    const guesses = pool(40, 10, (i) => login(`rotate-${i}-xxxx`, `127.0.1.${(i % 10) + 1}`));
    // meanwhile the admin, from an address that never failed, is never delayed
    const admin = await login(password);
    const codes = await guesses;
    expect(admin).toBe("200");
    // the later guesses waited their turn per user, and those that would wait too long were told to retry later
    expect(codes.filter((c) => c === "429").length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === "401").length).toBeLessThan(40);
  }, 90_000);
});
