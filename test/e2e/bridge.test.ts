// Store-and-forward to a real upstream (Debian's mosquitto, persistence on): messages
// neo acknowledged reach the upstream exactly once and in order per topic, across an
// upstream outage and a kill -9 of neo in the middle of it; plain TCP and mTLS.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, neo, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import {
  createUpstream,
  makeUpstreamCa,
  MOSQUITTO,
  upstreamSubscriber,
  type Received,
  type Upstream,
} from "./upstream.ts";

const TOPICS = ["sensors/a", "sensors/b", "sensors/c", "sensors/d"];
const PREFIX = "sites/s1/";

/** publish `count` QoS 1 messages round-robin over TOPICS, numbered from `from`; resolves when all are PUBACKed */
async function publishBatch(server: Server, from: number, count: number): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://${server.mqttHost}:${server.mqttPort}`, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `gen-${from}`,
  });
  const sends: Promise<unknown>[] = [];
  for (let i = from; i < from + count; i++) {
    const topic = TOPICS[i % TOPICS.length] as string;
    sends.push(c.publishAsync(topic, `${i}:`.padEnd(100, "x"), { qos: 1 }));
  }
  await Promise.all(sends);
  await c.endAsync();
}

/** every number 0..total-1 once, in increasing order per topic, on the prefixed topics */
function checkDelivery(got: Received[], total: number): void {
  const seen = new Map<number, number>();
  const lastPerTopic = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const m of got) {
    const n = Number(m.payload.split(":")[0]);
    expect(m.topic).toBe(`${PREFIX}${TOPICS[n % TOPICS.length]}`);
    expect(m.payload).toBe(`${n}:`.padEnd(100, "x"));
    seen.set(n, (seen.get(n) ?? 0) + 1);
    const last = lastPerTopic.get(m.topic) ?? -1;
    if (n <= last) outOfOrder.push(`${m.topic}: ${n} after ${last}`);
    lastPerTopic.set(m.topic, n);
  }
  const missing = [...Array(total).keys()].filter((n) => !seen.has(n));
  const twice = [...seen].filter(([, k]) => k > 1).map(([n]) => n);
  expect({ missing: missing.slice(0, 10), missingCount: missing.length }).toEqual({ missing: [], missingCount: 0 });
  expect(twice.slice(0, 10)).toEqual([]);
  expect(outOfOrder.slice(0, 10)).toEqual([]);
  expect(got.length).toBe(total);
}

async function bridgeStatus(data: string, config: string) {
  const r = await neo(["bridge", "status", "--json", "--data", data, "--config", config]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    name: string;
    connected: boolean;
    running: boolean;
    queuedMessages: number;
    queuedBytes: number;
    dropped: number;
  }[];
}

interface Setup {
  dir: string;
  upstream: Upstream;
  config: string;
  subscriber: Awaited<ReturnType<typeof upstreamSubscriber>>;
}

/** The scenario of the issue: publish a quarter, stop the upstream, publish, kill -9 neo, restart, publish, upstream back, publish. */
async function outageScenario(s: Setup, total: number): Promise<void> {
  const data = join(s.dir, "data");
  const quarter = total / 4;
  let server = await startServer(["--config", s.config], { data });
  try {
    await server.waitForLog(/bridge "cloud": connected/, 10_000);
    await publishBatch(server, 0, quarter);
    await eventually(() => s.subscriber.got.length >= quarter, 20_000);
    // every PUBACK back at neo before the outage: QoS 1 would send again what was in flight
    await eventually(async () => (await bridgeStatus(data, s.config))[0]?.queuedMessages === 0, 10_000);

    await s.upstream.stop();
    await server.waitForLog(/bridge "cloud": disconnected/, 10_000);
    await publishBatch(server, quarter, quarter);
    expect(await server.stop("SIGKILL")).not.toBe(0);

    server = await startServer(["--config", s.config], { data });
    await publishBatch(server, 2 * quarter, quarter);
    const [st] = await bridgeStatus(data, s.config);
    expect(st).toMatchObject({
      name: "cloud",
      running: true,
      connected: false,
      queuedMessages: 2 * quarter,
      dropped: 0,
    });
    expect(st?.queuedBytes).toBe(2 * quarter * (100 + "sensors/a".length));

    await s.upstream.start();
    await publishBatch(server, 3 * quarter, quarter);
    await eventually(() => s.subscriber.got.length >= total, 40_000);
    checkDelivery(s.subscriber.got, total);
    await eventually(async () => (await bridgeStatus(data, s.config))[0]?.queuedMessages === 0, 10_000);
  } finally {
    await server.stop();
  }
}

function writeConfig(dir: string, address: string, tls = ""): string {
  const file = join(dir, "neo.conf");
  writeFileSync(
    file,
    `Bridge "cloud" {
  Address = "${address}"
  ClientId = "site-1"
  Forward = ["sensors/#"]
  Prefix = "${PREFIX}"
  KeepAlive = 5
  ${tls}
}
`,
  );
  return file;
}

const upstreamBroker = requiresTool(MOSQUITTO, "scripts/setup.sh --test installs mosquitto");

describe.skipIf(upstreamBroker.skip)("bridge to an upstream mosquitto", () => {
  beforeAll(() => upstreamBroker.check());
  const dirs: string[] = [];
  let plain: Setup;
  let secure: Setup;

  beforeAll(async () => {
    const d1 = tempDir("neo-bridge-");
    dirs.push(d1);
    const up1 = await createUpstream(d1);
    await up1.start();
    plain = {
      dir: d1,
      upstream: up1,
      config: writeConfig(d1, up1.url),
      subscriber: await upstreamSubscriber(up1.url, `${PREFIX}#`),
    };

    const d2 = tempDir("neo-bridge-tls-");
    dirs.push(d2);
    const caDir = join(d2, "ca");
    mkdirSync(caDir);
    const ca = await makeUpstreamCa(caDir);
    const up2 = await createUpstream(d2, ca.server);
    await up2.start();
    // the gateway's own key and request, signed by the upstream's CA
    const id = await neo(["bridge", "identity", "--cn", "site-1", "-o", join(d2, "gw")]);
    expect(id.code).toBe(0);
    await ca.signClient(join(d2, "gw.csr"), join(d2, "gw.crt"));
    secure = {
      dir: d2,
      upstream: up2,
      config: writeConfig(
        d2,
        up2.url,
        `Tls { CaFile = "${ca.ca}", CertFile = "${join(d2, "gw.crt")}", KeyFile = "${join(d2, "gw.key")}" }`,
      ),
      subscriber: await upstreamSubscriber(up2.url, `${PREFIX}#`, { ca: readFileSync(ca.ca), ...readPair(ca.client) }),
    };
  }, 30_000);

  afterAll(async () => {
    for (const s of [plain, secure]) {
      await s?.subscriber.close();
      await s?.upstream.stop();
    }
    for (const d of dirs) cleanup(d);
  });

  test("20,000 QoS 1 messages reach the upstream exactly once and in order per topic across an outage and a kill -9", async () => {
    await outageScenario(plain, 20_000);
  }, 90_000);

  test("the same holds over mTLS with the gateway's own certificate, enrolled from `neo bridge identity`", async () => {
    await outageScenario(secure, 4_000);
    expect(await secure.upstream.log()).toMatch(/as site-1 .*u'site-1'/);
  }, 60_000);
});

function readPair(p: { cert: string; key: string }) {
  return { cert: readFileSync(p.cert), key: readFileSync(p.key) };
}
