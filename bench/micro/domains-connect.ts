// Authenticated connects/s with 10 SuperMQ domains x 100 clients vs 1,000 keys of the
// default domain, on ONE server in the same run (slices alternate between the two
// populations, so both see the same machine load):
//   bun bench/micro/domains-connect.ts [--slices 10] [--slice-ms 1000] [--clients 1000]
// 16 lanes of TCP connect + CONNECT (v3.1.1, username = client id, password = secret for
// the domain clients; username = token for the default keys) + CONNACK + DISCONNECT, each
// lane cycling through its population's credentials. Reports the median connects/s and
// the broker's CPU µs per connect of each population. The server is killed by its PID.
import net from "node:net";
import mqttPacket from "mqtt-packet";
import { procCpuSeconds } from "../lib/proc.ts";
import { arg, type Cred, connectPacket, loadAverage, median, startGateway } from "./domains-kit.ts";

const slices = Number(arg("slices", "10"));
const sliceMs = Number(arg("slice-ms", "1000"));
const CLIENTS = Number(arg("clients", "1000"));
const DOMAINS = 10;
const LANES = 16;
const g = await startGateway();
const { proc, port, http, access } = g;
const connect = (c: Cred, i: number) => connectPacket(c, c.password ? c.username : `b${i}`);
const disconnect = mqttPacket.generate({ cmd: "disconnect" });

function once(port: number, packet: Buffer): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect({ host: "127.0.0.1", port, noDelay: true });
    let done = false;
    const end = (ok: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      res(ok);
    };
    s.on("connect", () => s.write(packet));
    s.on("data", (d: Buffer) => {
      if (d.length >= 4 && d[0] === 0x20) {
        s.write(disconnect);
        end(d[3] === 0);
      }
    });
    s.on("error", () => end(false));
    s.on("close", () => end(false));
  });
}

try {
  const domains: Cred[] = [];
  for (let d = 0; d < DOMAINS; d++) domains.push(...(await g.domainClients(`d${d}`, CLIENTS / DOMAINS)));
  const flat: Cred[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const k = (await (
      await fetch(`${http}/keys`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${access}` },
        body: JSON.stringify({ name: `k${i}` }),
      })
    ).json()) as { token: string };
    flat.push({ username: k.token });
  }
  const pops = [
    {
      name: `${DOMAINS} domains x ${CLIENTS / DOMAINS} clients`,
      creds: domains,
      rates: [] as number[],
      cpuUs: [] as number[],
    },
    { name: `1 domain x ${CLIENTS} keys`, creds: flat, rates: [] as number[], cpuUs: [] as number[] },
  ];
  let next = 0;
  const slice = async (p: (typeof pops)[number], record: boolean) => {
    const cpu0 = procCpuSeconds(proc.pid);
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        while (performance.now() < t0 + sliceMs) {
          const c = p.creds[next++ % p.creds.length] as Cred;
          if (await once(port, connect(c, lane))) n++;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = procCpuSeconds(proc.pid) - cpu0;
    if (record && n > 0) {
      p.rates.push(n / secs);
      p.cpuUs.push((cpu * 1e6) / n);
    }
  };
  for (const p of pops) await slice(p, false);
  for (let i = 0; i < slices; i++) for (const p of i % 2 === 0 ? pops : [...pops].reverse()) await slice(p, true);
  const load = await loadAverage();
  for (const p of pops)
    console.log(
      `${p.name}: ${Math.round(median(p.rates)).toLocaleString("en")} connects/s, ${median(p.cpuUs).toFixed(0)} µs broker CPU per connect`,
    );
  const [a, b] = pops as [(typeof pops)[number], (typeof pops)[number]];
  console.log(
    `ratio domains/one: ${(median(a.rates) / median(b.rates)).toFixed(3)} connects/s, ${(median(b.cpuUs) / median(a.cpuUs)).toFixed(3)} connects per CPU second (medians of ${slices} x ${sliceMs} ms, load ${load})`,
  );
} finally {
  await g.stop();
}
