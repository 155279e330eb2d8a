// A bare MQTT CONNECT from a chosen local address (127.0.0.2, ...): resolves with the
// CONNACK code (v5 reason code, v3.1.1 return code), or -1 if the server closed first.
import net from "node:net";
import mqttPacket from "mqtt-packet";

export interface ConnectOptions {
  port: number;
  localAddress?: string;
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion?: 4 | 5;
  timeoutMs?: number;
}

export function connack(o: ConnectOptions): Promise<number> {
  const protocolVersion = o.protocolVersion ?? 4;
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port: o.port, localAddress: o.localAddress });
    const parser = mqttPacket.parser({ protocolVersion });
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(code);
    };
    const timer = setTimeout(() => {
      sock.destroy();
      if (!done) reject(new Error("no CONNACK in time"));
      done = true;
    }, o.timeoutMs ?? 10_000);
    parser.on("packet", (p) => {
      if (p.cmd === "connack") finish(protocolVersion === 5 ? (p.reasonCode ?? 0) : (p.returnCode ?? 0));
    });
    sock.on("data", (d: Buffer) => parser.parse(d));
    sock.on("error", () => finish(-1));
    sock.on("close", () => finish(-1));
    sock.on("connect", () => {
      sock.write(
        mqttPacket.generate({
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion,
          clean: true,
          keepalive: 30,
          clientId: o.clientId,
          ...(o.username !== undefined ? { username: o.username } : {}),
          ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
        }),
      );
    });
  });
}
