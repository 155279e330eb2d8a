// Child of the idle-memory programs (idle-kit.ts): `port token n [from]` — n MQTT 3.1.1
// connections (token as username, keepalive 0, client ids idle-<from>...), 64 connecting at
// a time; prints "<n> connected" once all have CONNACK 0, then stays idle until killed.
// With IDLE_PUBLISH=<topic> in the environment each one publishes one QoS 0 message to
// <topic>/<its client id> after its CONNACK (a device that reported once, then idles).
import mqtt from "mqtt-packet";

const [port, token, n, from] = [
  Number(process.argv[2]),
  process.argv[3] ?? "",
  Number(process.argv[4]),
  Number(process.argv[5] ?? 0),
];
const PUBLISH = process.env.IDLE_PUBLISH;
let ok = 0;
let next = from;
const sockets: unknown[] = [];
async function one(i: number): Promise<void> {
  await new Promise<void>((res, rej) => {
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          sockets.push(s);
          s.write(
            mqtt.generate({
              cmd: "connect",
              protocolId: "MQTT",
              protocolVersion: 4,
              clientId: `idle-${i}`,
              clean: true,
              keepalive: 0,
              username: token,
            }),
          );
        },
        data(s, d) {
          if (d[0] === 0x20 && d[3] === 0) {
            if (PUBLISH)
              s.write(
                mqtt.generate({
                  cmd: "publish",
                  topic: `${PUBLISH}/idle-${i}`,
                  payload: "1",
                  qos: 0,
                  retain: false,
                  dup: false,
                }),
              );
            ok++;
            res();
          } else rej(new Error(`CONNACK ${d[3]}`));
        },
        close() {},
        error(_s, e) {
          rej(e);
        },
      },
    }).catch(rej);
  });
}
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < from + n) await one(next++);
  }),
);
console.log(`${ok} connected`);
setInterval(() => {}, 1 << 30);
