// Issue 19, attack 3 with mosquitto_sub/mosquitto_pub against a real `neo serve`: three
// keys allowed only `devices/<own>/#` join `$share/w/devices/#` (partly allowed, so
// accepted) beside a consumer allowed `devices/#`. The group's copy of every message goes
// to a member that may receive it: the consumer gets 200/200 QoS 1 messages of another
// device, and the narrow members still get (their share of) their own topics.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { eventually, genKey, run } from "./harness.ts";
import { type Gateway, openGateway, TOKEN_AUTH } from "./fixture.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("mosquitto_sub", "apt-get install mosquitto-clients");
const N = 200;

let gw: Gateway & { close(): Promise<void> };
const tokens: Record<string, string> = {};
beforeAll(async () => {
  if (need.skip) return;
  gw = await openGateway({ args: TOKEN_AUTH });
  tokens.consumer = (await genKey(gw.srv.data, "consumer", ["--scope", "topics:subscribe:devices/#"])).token;
  tokens.pub = (await genKey(gw.srv.data, "pub", ["--scope", "topics:publish:devices/#"])).token;
  for (const m of ["m1", "m2", "m3"])
    tokens[m] = (await genKey(gw.srv.data, m, ["--scope", "topics:subscribe:devices/%c/#"])).token;
});
afterAll(() => gw?.close());

/** a mosquitto_sub in the group: its stdout so far, and a stop by PID */
function member(id: string) {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    [
      // line-buffered: the debug lines (SUBACK) and payloads come as they happen, not at exit
      "stdbuf",
      "-oL",
      "mosquitto_sub",
      "-d",
      "-V",
      "5",
      "-q",
      "1",
      "-h",
      "127.0.0.1",
      "-p",
      String(gw.srv.mqttPort),
      "-i",
      id,
      "-u",
      tokens[id] as string,
      "-t",
      "$share/w/devices/#",
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let out = "";
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stdout) out += dec.decode(chunk);
  })();
  return {
    out: () => out,
    payloads: (prefix: string) => out.split("\n").filter((l) => l.startsWith(prefix)).length,
    stop: () => proc.kill(),
  };
}

describe("shared subscriptions pick among members that may receive", () => {
  test.skipIf(need.skip)(
    `a consumer in a group with three partly-allowed members gets ${N}/${N} QoS 1 messages`,
    async () => {
      need.check();
      const members = ["consumer", "m1", "m2", "m3"].map(member);
      try {
        // every member's subscription is in place
        await eventually(() => members.every((m) => m.out().includes("SUBACK")), 10_000);
        const pub = (topic: string, prefix: string, n: number) =>
          run(
            [
              "sh",
              "-c",
              `for i in $(seq 1 ${n}); do echo ${prefix}$i; done | mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p ${gw.srv.mqttPort} -i pub -u '${tokens.pub}' -t ${topic} -l`,
            ],
            { timeoutMs: 30_000 },
          );
        expect((await pub("devices/sensor/temp", "other-", N)).code).toBe(0);
        const consumer = members[0] as ReturnType<typeof member>;
        await eventually(() => consumer.payloads("other-") >= N, 15_000);
        expect(consumer.payloads("other-")).toBe(N);
        for (const m of members.slice(1)) expect(m.payloads("other-")).toBe(0);

        // a partly-allowed member still gets its allowed part: devices/m1/... goes to m1 or the consumer
        expect((await pub("devices/m1/temp", "own-", 20)).code).toBe(0);
        const m1 = members[1] as ReturnType<typeof member>;
        await eventually(() => consumer.payloads("own-") + m1.payloads("own-") >= 20, 15_000);
        expect(consumer.payloads("own-") + m1.payloads("own-")).toBe(20);
        expect(m1.payloads("own-")).toBeGreaterThan(0);
      } finally {
        for (const m of members) m.stop();
      }
    },
    60_000,
  );
});
