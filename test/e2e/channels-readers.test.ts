// Mainflux/SuperMQ's readers API against neo: things publish SenML over HTTP and MQTT,
// then `curl GET /channels/<id>/messages` reads it back with the readers' parameters
// (paging, subtopic, publisher, name, v/vs/vb with comparator, from/to, aggregation)
// and their JSON answer; only a key with the channel's subscribe right may read.
import { beforeAll, describe, expect, test } from "bun:test";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";
import { neo, run } from "./harness.ts";

// RFC 8428's example pack (times 1.276020076001e9 s and relative to it), and a second one
const SENML =
  '[{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"%RH","v":20},{"u":"lon","v":24.30621},{"u":"lat","v":60.07965},{"t":60,"v":20.3},{"u":"lon","t":60,"v":24.30622},{"u":"lat","t":60,"v":60.07965},{"t":120,"v":20.7},{"u":"lon","t":120,"v":24.30623},{"u":"lat","t":120,"v":60.07966},{"u":"%EL","t":150,"v":98},{"t":180,"v":21.2},{"u":"lon","t":180,"v":24.30628},{"u":"lat","t":180,"v":60.07967}]';
const STATE = '[{"n":"door","t":1320067464,"vb":true},{"n":"label","t":1320067465,"vs":"north gate"}]';

describe("the readers API: GET /channels/<id>/messages", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["thing-1", "reader", "stranger"] });
  const shell = async (...args: string[]) => {
    const r = await neo(["shell", ...args, "--data", gw.srv.data]);
    if (r.code !== 0) throw new Error(r.stderr);
  };
  const read = async (query: string, who = "reader") => {
    const r = await run([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      "-H",
      `Authorization: Thing ${gw.keys[who]!.token}`,
      `${gw.srv.httpUrl}/channels/plant/messages${query}`,
    ]);
    const at = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(at + 1)), body: JSON.parse(r.stdout.slice(0, at)) };
  };

  beforeAll(async () => {
    await shell("channel", "create", "plant");
    await shell("channel", "connect", "plant", "thing-1", "--publish");
    await shell("channel", "connect", "plant", "reader", "--subscribe");
    const post = (sub: string, body: string) =>
      run([
        "curl",
        "-s",
        "-H",
        `Authorization: Thing ${gw.keys["thing-1"]!.token}`,
        "-H",
        "Content-Type: application/senml+json",
        "--data-binary",
        body,
        `${gw.srv.httpUrl}/http/channels/plant/messages${sub}`,
      ]);
    expect((await post("/room1", SENML)).stdout).toContain("13 record(s) stored");
    const pub = await run([
      "mosquitto_pub",
      "-h",
      "127.0.0.1",
      "-p",
      String(gw.srv.mqttPort),
      "-i",
      "thing-1",
      "-u",
      "thing-1",
      "-P",
      gw.keys["thing-1"]!.token,
      "-q",
      "1",
      "-t",
      "channels/plant/messages/gate",
      "-m",
      STATE,
    ]);
    expect(pub.code).toBe(0);
  }, 30_000);

  test("the newest 10 first, with total, offset, limit and SenML fields", async () => {
    const r = await read("");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ offset: 0, limit: 10, order: "time", dir: "desc", format: "messages", total: 15 });
    expect(r.body.messages.length).toBe(10);
    expect(r.body.messages[0]).toEqual({
      channel: "plant",
      publisher: "thing-1",
      protocol: "http",
      subtopic: "room1",
      name: "urn:dev:ow:10e2073a01080063:",
      unit: "lat",
      time: 1320067644000000000,
      value: 60.07967,
    });
  });

  test("paging: offset and limit walk the same total", async () => {
    const a = await read("?offset=10&limit=10");
    expect(a.body.total).toBe(15);
    expect(a.body.messages.length).toBe(5);
    expect((await read("?limit=1001")).status).toBe(400);
  });

  test("filters: subtopic, publisher + protocol, name, v with a comparator, vb, vs", async () => {
    expect((await read("?subtopic=gate")).body.total).toBe(2);
    const gate = await read("?subtopic=gate&vb=true");
    expect(gate.body.messages).toEqual([
      {
        channel: "plant",
        publisher: "thing-1",
        protocol: "mqtt",
        subtopic: "gate",
        name: "door",
        time: 1320067464000000000,
        bool_value: true,
      },
    ]);
    expect((await read("?vs=gate&comparator=ge")).body.messages[0].string_value).toBe("north gate");
    expect((await read("?publisher=thing-1&protocol=http")).body.total).toBe(13);
    expect((await read("?v=60&comparator=gt")).body.total).toBe(5);
    expect((await read("?name=door")).body.total).toBe(1);
    expect((await read("?comparator=near")).status).toBe(400);
  });

  test("from/to (ns, or seconds) and aggregation over an interval", async () => {
    const r = await read("?from=1320067464&to=1320067525&subtopic=room1");
    expect(r.body.total).toBe(6);
    const agg = await read(
      "?subtopic=room1&name=urn:dev:ow:10e2073a01080063:&aggregation=max&interval=1h&from=1320067000&to=1320070000&limit=100",
    );
    expect(agg.status).toBe(200);
    expect(agg.body).toMatchObject({ aggregation: "MAX", interval: "1h" });
    const maxima = Object.fromEntries(agg.body.messages.map((m: { unit: string; value: number }) => [m.unit, m.value]));
    expect(maxima).toEqual({ "%RH": 21.2, lon: 24.30628, lat: 60.07967, "%EL": 98 });
    expect((await read("?aggregation=max")).status).toBe(400); // needs from and to
  });

  test("only the channel's subscribe right reads: a publisher-only key and a stranger get 403", async () => {
    expect((await read("", "thing-1")).status).toBe(403);
    expect((await read("", "stranger")).status).toBe(403);
    const none = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `${gw.srv.httpUrl}/channels/plant/messages`,
    ]);
    expect(none.stdout).toBe("401");
  });
});
