// QoS 0 fan-in with 10 SuperMQ domains x 100 clients vs ONE domain x 1,000 clients, on ONE
// server in the same run (slices alternate between the two populations, so both see the
// same machine load):
//   bun bench/micro/domains-fanin.ts [--slices 10] [--per-client 20] [--clients 1000]
// Every client is a SuperMQ client (POST /<domain>/clients) connected (publish) to its
// domain's channel and stays connected (raw MQTT v3.1.1, username = client id, password =
// secret). A slice: each client of one population writes `per-client` QoS 0 PUBLISHes to
// m/<domain route>/c/<channel> (plain text: delivered, not stored) at once; ONE subscriber
// (the admin's PAT, filter m/#) counts what arrives. Reports received msgs/s (first write
// to last arrival) and the broker's CPU µs per message, medians per population. A third
// row sends the one-domain population's messages on Mainflux's `channels/<channel>/messages`
// (one spelling): what routing `m/...` under its two spellings (route and id) costs. The
// server is killed by its PID.
import type net from "node:net";
import mqttPacket from "mqtt-packet";
import { procCpuSeconds } from "../lib/proc.ts";
import { arg, type Cred, loadAverage, median, rawMqtt, startGateway } from "./domains-kit.ts";

const slices = Number(arg("slices", "10"));
const PER = Number(arg("per-client", "20"));
const CLIENTS = Number(arg("clients", "1000"));
const DOMAINS = 10;
const STALL_MS = 3000;

const g = await startGateway();
try {
  type Pop = { name: string; socks: net.Socket[]; bursts: Buffer[]; rates: number[]; cpuUs: number[]; lost: number };
  const population = async (name: string, routes: string[], per: number): Promise<Pop> => {
    const socks: net.Socket[] = [];
    const bursts: Buffer[] = [];
    for (const route of routes) {
      const creds: Cred[] = await g.domainClients(route, per, `ch-${route}`);
      const publish = mqttPacket.generate({
        cmd: "publish",
        topic: `m/${route}/c/ch-${route}`,
        payload: Buffer.from("21.5"),
        qos: 0,
        dup: false,
        retain: false,
      });
      const burst = Buffer.concat(Array.from({ length: PER }, () => publish));
      for (let i = 0; i < creds.length; i += 50)
        socks.push(...(await Promise.all(creds.slice(i, i + 50).map((c) => rawMqtt(g.port, c, c.username)))));
      for (let i = 0; i < creds.length; i++) bursts.push(burst);
    }
    return { name, socks, bursts, rates: [], cpuUs: [], lost: 0 };
  };
  const pops = [
    await population(
      `${DOMAINS} domains x ${CLIENTS / DOMAINS} clients`,
      Array.from({ length: DOMAINS }, (_, d) => `d${d}`),
      CLIENTS / DOMAINS,
    ),
    await population(`1 domain x ${CLIENTS} clients`, ["one"], CLIENTS),
  ];
  const mf = mqttPacket.generate({
    cmd: "publish",
    topic: "channels/ch-one/messages",
    payload: Buffer.from("21.5"),
    qos: 0,
    dup: false,
    retain: false,
  });
  const one = pops[1] as Pop;
  const mfBurst = Buffer.concat(Array.from({ length: PER }, () => mf));
  const spelled: Pop = { ...one, name: "  the same on channels/<ch>/messages", bursts: one.bursts.map(() => mfBurst) };
  const rows = [...pops, { ...spelled, rates: [], cpuUs: [], lost: 0 }];

  // the subscriber: the admin user's PAT, m/# (every channel of every domain it may read)
  const pat = (await g.post("/pats", {
    name: "fanin",
    scopes: [
      { entity_type: "topics", operation: "subscribe", entity_id: "m/#" },
      { entity_type: "topics", operation: "subscribe", entity_id: "channels/#" },
      { entity_type: "channels", operation: "subscribe", entity_id: "*" },
    ],
  })) as { secret: string };
  let received = 0;
  let lastAt = 0;
  let subacked = false;
  const sub = await rawMqtt(g.port, { username: "bench", password: pat.secret }, "fanin-sub", (p) => {
    if (p.cmd === "publish") {
      received++;
      lastAt = performance.now();
    } else if (p.cmd === "suback") subacked = true;
  });
  sub.write(
    mqttPacket.generate({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [
        { topic: "m/#", qos: 0 },
        { topic: "channels/#", qos: 0 },
      ],
    }),
  );
  while (!subacked) await Bun.sleep(10);

  const slice = async (p: Pop, record: boolean) => {
    const want = p.socks.length * PER;
    const start = received;
    const cpu0 = procCpuSeconds(g.proc.pid);
    const t0 = performance.now();
    lastAt = t0;
    p.socks.forEach((s, i) => s.write(p.bursts[i] as Buffer));
    while (received - start < want && performance.now() - lastAt < STALL_MS) await Bun.sleep(5);
    const got = received - start;
    const cpu = procCpuSeconds(g.proc.pid) - cpu0;
    if (!record || got === 0) return;
    p.rates.push(got / ((lastAt - t0) / 1000));
    p.cpuUs.push((cpu * 1e6) / got);
    p.lost += want - got;
  };
  for (const p of rows) await slice(p, false);
  for (let i = 0; i < slices; i++) for (const p of i % 2 === 0 ? rows : [...rows].reverse()) await slice(p, true);
  const load = await loadAverage();
  for (const p of rows)
    console.log(
      `${p.name}: ${Math.round(median(p.rates)).toLocaleString("en")} msgs/s received, ${median(p.cpuUs).toFixed(1)} µs broker CPU per message, ${p.lost} not received`,
    );
  const [a, b, c] = rows as [Pop, Pop, Pop];
  console.log(
    `ratio domains/one: ${(median(a.rates) / median(b.rates)).toFixed(3)} msgs/s, ${(median(b.cpuUs) / median(a.cpuUs)).toFixed(3)} msgs per CPU second (medians of ${slices} slices x ${CLIENTS * PER} msgs, load ${load})`,
  );
  console.log(
    `ratio m/ (two spellings) / channels/ (one): ${(median(b.rates) / median(c.rates)).toFixed(3)} msgs/s, ${(median(c.cpuUs) / median(b.cpuUs)).toFixed(3)} msgs per CPU second`,
  );
  for (const s of [...pops.flatMap((p) => p.socks), sub]) s.destroy();
} finally {
  await g.stop();
}
