// Answers waiting to be read count against a budget: a key whose MQTT connection does not
// read its (large) db/query answer is refused further db/query requests from any of its
// connections (v5 PUBACK 0x97, a reply saying why) past Query.AnswerBudgetPerClient,
// others are not, and once the reader is gone the key may query again.
import { expect, test } from "bun:test";
import net from "node:net";
import mqttPacket from "mqtt-packet";
import { eventually } from "./harness.ts";
import { pubCode } from "./mqtt-clients.ts";
import { TOKEN_AUTH, withGateway } from "./fixture.ts";

// ~12 MB of JSON: more than loopback's socket buffers take
const BIG =
  "with recursive c(x) as (select 1 union all select x+1 from c where x < 300000) select x, printf('%.30c', 'v') from c";

/** a v5 connection that asks for BIG on db/query and then reads nothing more */
function stalledAsker(port: number, token: string) {
  const s = net.connect(port, "127.0.0.1");
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const send = (p: object) => s.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 5 }));
  let gotBytes = 0;
  let closed = false;
  s.on("close", () => (closed = true));
  let asked = false;
  s.on("error", () => {});
  parser.on("packet", (p) => {
    if (p.cmd === "connack") send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "hog/reply", qos: 1 }] });
    if (p.cmd === "suback") {
      send({
        cmd: "publish",
        topic: "db/query",
        qos: 1,
        messageId: 2,
        payload: JSON.stringify({ q: BIG, reply: "hog/reply" }),
      });
      asked = true;
      s.pause(); // from here on nothing is read
    }
  });
  s.on("data", (d: Buffer) => {
    gotBytes += d.length;
    if (!asked) parser.parse(d);
  });
  s.on("connect", () =>
    send({
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: "hog-a",
      username: token,
    }),
  );
  return { asked: () => asked, closed: () => closed, destroy: () => s.destroy(), gotBytes: () => gotBytes };
}

test("unread db/query answers past Query.AnswerBudgetPerClient refuse that key's next db/query with 0x97; other keys go on", async () => {
  await withGateway(
    { args: TOKEN_AUTH, keys: ["hog", "other"], config: "Query {\n  AnswerBudgetPerClient = 1048576\n}\n" },
    async (gw) => {
      const a = stalledAsker(gw.srv.mqttPort, gw.keys.hog!.token);
      await eventually(() => a.asked(), 20_000);
      const b = await gw.conn({ protocolVersion: 5, clientId: "hog-b", username: gw.keys.hog!.token });
      await b.subscribeAsync("hog/b", { qos: 1 });
      const replies: string[] = [];
      b.on("message", (_t, p) => replies.push(p.toString()));
      // the stalled answer sits in hog-a's connection: hog's next query is refused before it runs
      await eventually(
        async () => (await pubCode(b, "db/query", JSON.stringify({ q: "select 1", reply: "hog/b" }))) === 0x97,
        20_000,
      );
      expect(a.gotBytes()).toBeLessThan(12_000_000);
      await eventually(() => replies.some((r) => r.includes("Query.AnswerBudgetPerClient")));
      // another key is not held back
      const o = await gw.conn({ protocolVersion: 5, clientId: "other-1", username: gw.keys.other!.token });
      expect(await pubCode(o, "db/query", JSON.stringify({ q: "select 1", reply: "other/r" }))).toBe(0);
      // the reader goes away: hog may query again
      a.destroy();
      await eventually(
        async () => (await pubCode(b, "db/query", JSON.stringify({ q: "select 2", reply: "hog/b" }))) === 0,
        10_000,
      );
      await b.endAsync();
      await o.endAsync();
    },
  );
}, 60_000);

test("a client that reads nothing of what waits for it is closed after Mqtt.StallTimeout, even without a keep alive", async () => {
  await withGateway({ args: TOKEN_AUTH, keys: ["hog"], config: 'Mqtt {\n  StallTimeout = "2s"\n}\n' }, async (gw) => {
    const a = stalledAsker(gw.srv.mqttPort, gw.keys.hog!.token);
    await eventually(() => a.asked(), 20_000);
    // its 12 MB answer sits unread; keep alive 0 would keep it for ever: the stall timeout ends it
    await eventually(() => a.closed(), 20_000);
    expect(a.gotBytes()).toBeLessThan(12_000_000);
  });
}, 60_000);
