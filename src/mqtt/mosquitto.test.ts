// Interop with the real Mosquitto command-line clients (mosquitto-clients 2.x).
import { afterEach, expect, test } from "bun:test";
import { allowAll, startBroker, until, type TestBroker } from "./test-support.ts";

let tb: TestBroker | null = null;
afterEach(async () => {
  await tb?.stop();
  tb = null;
});

async function run(cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}

for (const [v, label] of [
  ["mqttv311", "3.1.1"],
  ["mqttv5", "5"],
  ["mqttv31", "3.1"],
] as const) {
  test(`mosquitto_sub receives what mosquitto_pub sends at QoS 0, 1 and 2 over MQTT ${label}`, async () => {
    tb = await startBroker();
    const port = String(tb.port);
    const sub = Bun.spawn(
      [
        "mosquitto_sub",
        "-V",
        v,
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-t",
        "m/#",
        "-q",
        "2",
        "-C",
        "3",
        "-W",
        "10",
        "-v",
        "-i",
        `sub-${v}`,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    await until(() => tb!.broker.stats().subscriptions === 1, 5000, "subscription");
    for (const q of ["0", "1", "2"]) {
      const r = await run([
        "mosquitto_pub",
        "-V",
        v,
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-t",
        `m/q${q}`,
        "-q",
        q,
        "-m",
        `hello ${q}`,
      ]);
      expect(r.code).toBe(0);
    }
    const out = await new Response(sub.stdout).text();
    expect(await sub.exited).toBe(0);
    expect(out.trim().split("\n")).toEqual(["m/q0 hello 0", "m/q1 hello 1", "m/q2 hello 2"]);
  });
}

test("mosquitto_pub with a refused username prints 'not authorised' (CONNACK 5)", async () => {
  tb = await startBroker({
    hooks: {
      ...allowAll,
      authenticate: (r) => (r.username === "token-ok" ? { ok: true } : { ok: false, reasonCode: 0x87 }),
    },
  });
  const port = String(tb.port);
  const bad = await run([
    "mosquitto_pub",
    "-V",
    "mqttv311",
    "-h",
    "127.0.0.1",
    "-p",
    port,
    "-u",
    "wrong",
    "-t",
    "x",
    "-m",
    "1",
  ]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain("not authorised");
  const bad5 = await run([
    "mosquitto_pub",
    "-V",
    "mqttv5",
    "-h",
    "127.0.0.1",
    "-p",
    port,
    "-u",
    "wrong",
    "-t",
    "x",
    "-m",
    "1",
  ]);
  expect(bad5.code).not.toBe(0);
  expect(bad5.stderr.toLowerCase()).toContain("not authori");
  const good = await run([
    "mosquitto_pub",
    "-V",
    "mqttv311",
    "-h",
    "127.0.0.1",
    "-p",
    port,
    "-u",
    "token-ok",
    "-t",
    "x",
    "-m",
    "1",
  ]);
  expect(good.code).toBe(0);
});

test("mosquitto_sub gets a retained message published earlier by mosquitto_pub -r", async () => {
  tb = await startBroker();
  const port = String(tb.port);
  expect(
    (await run(["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-t", "cfg/a", "-r", "-q", "1", "-m", "kept"])).code,
  ).toBe(0);
  const r = await run([
    "mosquitto_sub",
    "-V",
    "mqttv5",
    "-h",
    "127.0.0.1",
    "-p",
    port,
    "-t",
    "cfg/#",
    "-C",
    "1",
    "-W",
    "5",
    "-v",
  ]);
  expect(r.stdout.trim()).toBe("cfg/a kept");
});
