// What scopes cost on the QoS 0 hot path, in one process: the real broker with the app's
// real authorization hooks (src/app/mqtt-authz.ts), every client on an all-access key vs
// every client on a key with 20 scopes (%c and denies among them). Rounds alternate A/B
// and the figure is broker+client CPU time per delivered message, which other load on a
// shared machine disturbs far less than wall-clock rates.
// Run: bun bench/micro/scopes-cost.ts [messages per round] [rounds]
import type { Socket } from "bun";
import mqttPacket from "mqtt-packet";
import { ALL_ACCESS_SCOPES, type CredentialRef, makePrincipal } from "../../src/auth/index.ts";
import { createMqttAuthorizer } from "../../src/app/mqtt-authz.ts";
import type { SessionCredential } from "../../src/app/mqtt-auth.ts";
import { createLogger, setLogLevel } from "../../src/lib/log.ts";
import { Broker } from "../../src/mqtt/broker.ts";
import { BENCH_SCOPES } from "../lib/targets/neo.ts";

setLogLevel("warn");
const N = Number(process.argv[2] ?? 400_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const TOPIC = "bench/qos0";
const gen = (p: Parameters<typeof mqttPacket.generate>[0]) => mqttPacket.generate(p);

/** one broker whose every client acts as key `bench01` with `scopes` */
async function run(scopes: readonly string[], subscribers: number): Promise<{ cpuUsPerMsg: number; rate: number }> {
  const ref: CredentialRef = { kind: "client", id: "bench01", form: "token", generation: "" };
  const principal = { ...makePrincipal("bench01", "client", scopes), ref, expiresAt: Infinity };
  const authz = createMqttAuthorizer({
    current: () => ({ ok: true, principal }),
    keyRef: () => ref,
    log: createLogger("bench"),
  });
  const broker = new Broker({
    sysIntervalMs: 0,
    hooks: {
      authenticate: () => {
        const meta: SessionCredential = { principal, epoch: 0, rights: null };
        return { ok: true, identity: "bench01", meta };
      },
      authorizePublish: (c, t) => authz.publish(c, t),
      authorizeSubscribe: (c, f) => authz.subscribe(c, f),
      authorizeDeliver: (t, topic) => authz.deliver(t, topic),
    },
  });
  const l = await broker.listen({ host: "127.0.0.1", port: 0 });
  const open = (onData: (d: Buffer) => void, onDrain: () => void = () => {}) =>
    Bun.connect({
      hostname: "127.0.0.1",
      port: l.port,
      socket: { data: (_s, d) => onData(d), drain: () => onDrain() },
    });

  let received = 0;
  let acked = 0;
  const want = N * subscribers;
  let done: () => void = () => {};
  const allIn = new Promise<void>((r) => (done = r));
  const check = () => {
    if (received + broker.stats().droppedQos0 >= want) done();
  };
  const counter = () => {
    let rest: Buffer | null = null;
    return (chunk: Buffer) => {
      const b = rest ? Buffer.concat([rest, chunk]) : chunk;
      let off = 0;
      while (b.length - off >= 2) {
        let len = 0;
        let mult = 1;
        let i = off + 1;
        let ok = false;
        for (let n = 0; n < 4 && i < b.length; n++) {
          const x = b[i++]!;
          len += (x & 127) * mult;
          mult *= 128;
          if (!(x & 128)) {
            ok = true;
            break;
          }
        }
        if (!ok || b.length - i < len) break;
        const type = b[off]! >> 4;
        if (type === 3) received++;
        else if (type === 9) acked++;
        off = i + len;
      }
      rest = off < b.length ? Buffer.from(b.subarray(off)) : null;
      check();
    };
  };
  const subs: Socket<undefined>[] = [];
  for (let s = 0; s < subscribers; s++) {
    const sock = await open(counter());
    sock.write(
      gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: `nb-s${s}`, clean: true, keepalive: 0 }),
    );
    sock.write(gen({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: TOPIC, qos: 0 }] }));
    subs.push(sock);
  }
  while (acked < subscribers) await Bun.sleep(5);

  const one = gen({ cmd: "publish", topic: TOPIC, payload: Buffer.alloc(64, 0x61), qos: 0, dup: false, retain: false });
  const BATCH = 500;
  const batch = Buffer.concat(Array(BATCH).fill(one));
  let sent = 0;
  let pending: Buffer | null = null;
  let pub!: Socket<undefined>;
  const pump = () => {
    if (pending) {
      const n = pub.write(pending);
      pending = n < pending.length ? pending.subarray(Math.max(n, 0)) : null;
      if (pending) return;
    }
    while (sent < N) {
      sent += BATCH;
      const n = pub.write(batch);
      if (n < batch.length) {
        pending = batch.subarray(Math.max(n, 0));
        return;
      }
    }
  };
  pub = await open(() => {}, pump);
  pub.write(
    gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "nb-p", clean: true, keepalive: 0 }),
  );
  const poll = setInterval(check, 5);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  pump();
  await allIn;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(poll);
  for (const s of subs) s.end();
  pub.end();
  await broker.close();
  l.stop();
  return { cpuUsPerMsg: (cpu.user + cpu.system) / Math.max(1, received), rate: (received / ms) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [label, subscribers] of [
  ["fan-in shape (1 pub -> 1 sub)", 1],
  ["fan-out (1 pub -> 8 subs)", 8],
] as const) {
  const all: number[] = [];
  const scoped: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    all.push((await run(ALL_ACCESS_SCOPES, subscribers)).cpuUsPerMsg);
    scoped.push((await run(BENCH_SCOPES, subscribers)).cpuUsPerMsg);
  }
  const a = median(all);
  const s = median(scoped);
  console.log(
    `${label}: CPU µs per delivery, all-access ${a.toFixed(3)} / 20 scopes ${s.toFixed(3)} -> throughput ratio ${(a / s).toFixed(3)} (medians of ${ROUNDS}; rounds: ${all.map((x) => x.toFixed(2)).join(" ")} | ${scoped.map((x) => x.toFixed(2)).join(" ")})`,
  );
}
