// A small MQTT client for the bridge's uplink, on mqtt-packet (wire format only) over
// the pipes in transport.ts. One instance is one connection: CONNECT (clean start off,
// session expiry, keep-alive), SUBSCRIBE, outgoing PUBLISH at QoS 0/1, incoming PUBLISH
// at QoS 0/1/2. Flow control, queueing and reconnecting belong to the bridge.
import mqtt, { type IPublishPacket, type Packet } from "mqtt-packet";
import { encodePublish } from "../lib/mqtt-publish.ts";
import { FrameReader } from "./frames.ts";
import type { ClientEvents, ClientOptions, ConnectInfo, Incoming, UpstreamClient } from "./client-types.ts";
import { CONNACK_REASONS } from "./connack-reasons.ts";
import { reachable } from "./probe.ts";
import { openPipe, type Pipe, UplinkError } from "./transport.ts";

export type { ClientOptions, Incoming, UpstreamClient } from "./client-types.ts";

export function connectUpstream(o: ClientOptions, ev: ClientEvents): Promise<UpstreamClient> {
  const v = o.protocol;
  const parser = mqtt.parser({ protocolVersion: v });
  const gen = (p: Packet) => mqtt.generate(p, { protocolVersion: v });
  let pipe: Pipe | undefined;
  let pipeOpen = false;
  let done = false;
  let up = false;
  let lastIn = Date.now();
  let lastOut = Date.now();
  let keepTimer: ReturnType<typeof setInterval> | undefined;
  let subId = 1;
  const subWaits = new Map<number, (codes: number[]) => void>();
  const inboundQos2 = new Set<number>();
  // acks to incoming messages leave in arrival order, after each message was delivered
  let ackChain: Promise<void> = Promise.resolve();

  let connected: (i: ConnectInfo) => void = () => {};
  let refused: (e: Error) => void = () => {};
  const connack = new Promise<ConnectInfo>((res, rej) => {
    connected = res;
    refused = rej;
  });

  // packets sent in one turn leave in one write (one TCP segment or WebSocket frame)
  let corked: Buffer[] = [];
  let corkedBytes = 0;
  const uncork = () => {
    if (!pipe || corked.length === 0) return;
    const buf = corked.length === 1 ? (corked[0] as Buffer) : Buffer.concat(corked, corkedBytes);
    corked = [];
    corkedBytes = 0;
    pipe.write(buf);
  };
  const sendRaw = (b: Buffer) => {
    if (!pipe || done) return;
    lastOut = Date.now();
    if (corked.length === 0) queueMicrotask(uncork);
    corked.push(b);
    corkedBytes += b.length;
  };
  const send = (p: Packet) => sendRaw(gen(p));
  const finish = (reason: string) => {
    if (done) return;
    done = true;
    if (keepTimer) clearInterval(keepTimer);
    refused(new Error(reason));
    pipe?.close();
    if (up) ev.closed(reason);
  };

  parser.on("packet", (p: Packet) => {
    lastIn = Date.now();
    switch (p.cmd) {
      case "connack": {
        const rc = v === 5 ? (p.reasonCode ?? 0) : (p.returnCode ?? 0);
        if (rc !== 0) {
          const why = p.properties?.reasonString ?? CONNACK_REASONS.get(rc) ?? "refused";
          return finish(`CONNACK 0x${rc.toString(16).padStart(2, "0")} (${why})`);
        }
        const info: ConnectInfo = {
          sessionPresent: p.sessionPresent,
          receiveMaximum: p.properties?.receiveMaximum ?? 65535,
        };
        if (p.properties?.maximumPacketSize) info.maximumPacketSize = p.properties.maximumPacketSize;
        return connected(info);
      }
      case "puback":
        return ev.puback(p.messageId ?? 0, p.reasonCode ?? 0);
      case "suback": {
        const w = subWaits.get(p.messageId ?? 0);
        subWaits.delete(p.messageId ?? 0);
        return w?.((p.granted as (number | { qos: number })[]).map((g) => (typeof g === "number" ? g : g.qos)));
      }
      case "publish":
        return onPublish(p);
      case "pubrel":
        inboundQos2.delete(p.messageId ?? 0);
        return send({ cmd: "pubcomp", messageId: p.messageId ?? 0 });
      case "pingresp":
        return;
      case "disconnect":
        return finish(
          `upstream sent DISCONNECT 0x${(p.reasonCode ?? 0).toString(16)}${p.properties?.reasonString ? ` (${p.properties.reasonString})` : ""}`,
        );
      default:
        return;
    }
  });
  parser.on("error", (e: Error) => finish(`malformed packet from upstream: ${e.message}`));
  // whole packets only: a PUBACK (one per forwarded message) is read here, the rest by mqtt-packet
  const frames = new FrameReader(
    (buf, start, end) => {
      const len = end - start;
      if (buf[start] === 0x40 && (len === 4 || (v === 5 && len >= 5 && buf[start + 1] === len - 2))) {
        lastIn = Date.now();
        const id = ((buf[start + 2] as number) << 8) | (buf[start + 3] as number);
        ev.puback(id, len >= 5 ? (buf[start + 4] as number) : 0);
        return;
      }
      parser.parse(buf.subarray(start, end));
    },
    (why) => finish(`malformed packet from upstream: ${why}`),
  );

  function onPublish(p: IPublishPacket): void {
    const pid = p.messageId ?? 0;
    if (p.qos === 2 && inboundQos2.has(pid)) {
      send({ cmd: "pubrec", messageId: pid }); // already delivered once
      return;
    }
    if (p.qos === 2) inboundQos2.add(pid);
    const m: Incoming = {
      topic: p.topic,
      payload: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
      qos: p.qos,
      retain: p.retain,
    };
    if (p.properties) m.properties = p.properties;
    let r: Promise<void> | void;
    try {
      r = ev.message(m);
    } catch {
      r = undefined;
    }
    const ack = () => {
      if (p.qos === 1) send({ cmd: "puback", messageId: pid });
      else if (p.qos === 2) send({ cmd: "pubrec", messageId: pid });
    };
    ackChain = ackChain.then(() => r).then(ack, ack);
  }

  return (async () => {
    pipe = await openPipe(
      o.url,
      o.tls,
      {
        data: (b) => frames.push(b),
        closed: (err) => finish(err ? `connection lost: ${err.message}` : "connection closed by upstream"),
      },
      o.connectTimeoutMs,
    );
    pipeOpen = true;
    const connect: Packet = {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: v,
      clientId: o.clientId,
      clean: false, // resume the session: what we subscribed to and what waits for us
      keepalive: o.keepAlive,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
      ...(v === 5 ? { properties: { sessionExpiryInterval: o.sessionExpiry, receiveMaximum: 1024 } } : {}),
    };
    send(connect);
    const timer = setTimeout(() => finish("no CONNACK in time"), o.connectTimeoutMs ?? 10_000);
    let info: ConnectInfo;
    try {
      info = await connack;
    } finally {
      clearTimeout(timer);
    }
    if (done) throw new Error("connection closed right after CONNACK");
    up = true;
    if (o.keepAlive > 0) {
      // Keep-alive both ways: a PINGREQ when we sent nothing for half the keep-alive (the
      // upstream's rule) and when we HEARD nothing for half of it; no byte from the upstream
      // for a whole keep-alive = the uplink is dead, even half-open (no FIN, no RST: packets
      // silently dropped). Checked every min(ka/8, 1 s): detected within the keep-alive plus
      // that, at most 1.125x.
      const ka = o.keepAlive * 1000;
      let pingAt = 0;
      keepTimer = setInterval(
        () => {
          const now = Date.now();
          if (now - lastIn > ka) return finish(`no answer from upstream for ${((now - lastIn) / 1000).toFixed(1)} s`);
          const quietIn = now - lastIn >= ka / 2 && pingAt <= lastIn;
          if (now - lastOut >= ka / 2 || quietIn) {
            pingAt = now;
            send({ cmd: "pingreq" });
          }
        },
        Math.max(100, Math.min(1000, ka / 8)),
      );
    }
    const api: UpstreamClient = {
      info,
      publish(m) {
        if (!m.properties || v !== 5) {
          sendRaw(encodePublish(m.topic, m.payload, m.qos, m.messageId ?? 0, m.retain, m.dup ?? false, v));
          return;
        }
        const p: IPublishPacket = {
          cmd: "publish",
          topic: m.topic,
          payload: m.payload,
          qos: m.qos,
          retain: m.retain,
          dup: m.dup ?? false,
        };
        if (m.messageId !== undefined) p.messageId = m.messageId;
        if (v === 5 && m.properties) p.properties = m.properties;
        send(p);
      },
      subscribe(filters) {
        if (filters.length === 0) return Promise.resolve([]);
        const messageId = subId++ & 0xffff || subId++;
        const p: Packet = {
          cmd: "subscribe",
          messageId,
          // v5: No Local, so what we forward up does not come straight back down
          subscriptions: filters.map((f) =>
            v === 5 ? { topic: f.topic, qos: f.qos, nl: true } : { topic: f.topic, qos: f.qos },
          ),
        };
        return new Promise<number[]>((res) => {
          subWaits.set(messageId, res);
          send(p);
        });
      },
      buffered: () => (pipe?.buffered() ?? 0) + corkedBytes,
      close() {
        if (done) return;
        send(v === 5 ? { cmd: "disconnect", reasonCode: 0 } : { cmd: "disconnect" });
        uncork();
        finish("closed by neo");
      },
    };
    return api;
  })().catch(async (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    done = true;
    if (keepTimer) clearInterval(keepTimer);
    pipe?.close();
    // did a TCP connection open? (the bridge probes cheaply only while it did not)
    const reached = pipeOpen || (e instanceof UplinkError ? e.reached : await reachable(o.url, 1000));
    throw new UplinkError(msg, reached);
  });
}
