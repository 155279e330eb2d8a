// The one door on an open broker (token auth off), driven with mosquitto_pub/sub as an
// attacker would (issue 18): an anonymous client cannot take a registered key's client
// id (so `%c` in Auth.AnonymousScopes never reaches that key's topics), and a credential
// that is sent is checked: a wrong token is refused, not turned into anonymous, and
// counts toward the brute-force guard like `-u id -P token` does.
import { describe, expect, test } from "bun:test";
import { run } from "./harness.ts";
import { useGateway } from "./fixture.ts";
import { connack } from "./mqtt-connack.ts";

const gw = useGateway({
  keys: ["dev1"],
  config: [
    "Auth {",
    '  AnonymousScopes = ["topics:publish:devices/%c/#", "topics:subscribe:devices/%c/#"]',
    "}",
    "Guard {",
    "  MaxFailures = 5",
    "}",
    "",
  ].join("\n"),
});

const mq = (tool: "mosquitto_pub" | "mosquitto_sub", args: string[]) =>
  run([tool, "-h", gw.srv.mqttHost, "-p", String(gw.srv.mqttPort), ...args], { timeoutMs: 10_000 });

describe("an open broker", () => {
  test("an anonymous client cannot connect as a registered key's id, nor read or spoof its retained messages", async () => {
    const set = await mq("mosquitto_pub", [
      "-i",
      "dev1",
      "-u",
      gw.key.token,
      "-t",
      "devices/dev1/state",
      "-r",
      "-m",
      "real",
    ]);
    expect(set.code).toBe(0);
    // read as anonymous "dev1": refused at CONNECT
    const read = await mq("mosquitto_sub", ["-i", "dev1", "-t", "devices/dev1/#", "-C", "1", "-W", "3"]);
    expect(read.code).not.toBe(0);
    expect(read.stdout).not.toContain("real");
    expect(read.stderr + read.stdout).toContain("not authorised");
    // spoof as anonymous "dev1": refused at CONNECT
    const spoof = await mq("mosquitto_pub", ["-i", "dev1", "-t", "devices/dev1/state", "-r", "-m", "spoofed"]);
    expect(spoof.code).not.toBe(0);
    expect(spoof.stderr + spoof.stdout).toContain("not authorised");
    // the key itself still reads its own retained message, unchanged
    const mine = await mq("mosquitto_sub", [
      ...["-i", "dev1-reader", "-u", gw.key.token, "-t", "devices/dev1/state", "-C", "1", "-W", "5"],
    ]);
    expect(mine.stdout.trim()).toBe("real");
    // an anonymous client with an id of its own still gets its %c topics
    const own = await mq("mosquitto_pub", ["-i", "anon-7", "-t", "devices/anon-7/state", "-m", "mine"]);
    expect(own.code).toBe(0);
  });

  test("mosquitto_pub -u <wrong token> is refused, and wrong tokens get the address banned", async () => {
    const wrong = `dev1:b:${"0".repeat(64)}`;
    const r = await mq("mosquitto_pub", ["-i", "x1", "-u", wrong, "-t", "devices/x1/t", "-m", "guess"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("not authorised");
    // a plain username that is no credential is still just a name on an open broker
    const named = await mq("mosquitto_pub", ["-i", "x2", "-u", "sensor-user", "-t", "devices/x2/t", "-m", "ok"]);
    expect(named.code).toBe(0);
    // guesses from one address: refused (v5 0x87), then banned (0x9F)
    const codes: number[] = [];
    for (let i = 0; i < 8; i++)
      codes.push(
        await connack({
          port: gw.srv.mqttPort,
          localAddress: "127.0.0.3",
          clientId: `g-${i}`,
          username: `dev1:b:${i.toString(16).padStart(64, "0")}`,
          protocolVersion: 5,
        }),
      );
    expect(codes[0]).toBe(0x87);
    expect(codes.includes(0)).toBe(false);
    expect(codes.at(-1)).toBe(0x9f);
  });
});
