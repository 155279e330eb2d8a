// The floor under neo: a bare Bun.listen that answers MQTT the least a broker can, as a child
// process of the bench (`bun bun-bare-server.ts <user> <password>`): a CONNECT with the right
// username and password gets CONNACK 0 (else 5), a PINGREQ a PINGRESP, a SUBSCRIBE a SUBACK
// granting the QoS asked for, and a PUBLISH goes as it came (same bytes, packet id and all) to
// every connection that subscribed to anything, a QoS 1 one PUBACKed at once; no topic
// matching, no sessions, no rights, nothing stored or audited. For the `storm` and `latency`
// scenarios: what Bun's own accept/read/write path costs under the same load, beside neo.
// Prints {"event":"ready","mqtt":"127.0.0.1:PORT"} on stdout once listening.
const [user, pass] = process.argv.slice(2);
if (!user || !pass) {
  console.error("usage: bun-bare-server.ts <user> <password>");
  process.exit(2);
}
const PINGRESP = new Uint8Array([0xd0, 0]);
type S = import("bun").Socket<{ buf: Uint8Array | null }>;
const subscribers = new Set<S>();

/** the CONNECT's username and password, or null (3.1.1 and 5 without properties' sizes beyond 127) */
function credentials(b: Uint8Array, at: number): [string, string] | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = at;
  const str = (): string => {
    const n = dv.getUint16(i);
    const s = new TextDecoder().decode(b.subarray(i + 2, i + 2 + n));
    i += 2 + n;
    return s;
  };
  str(); // protocol name
  const level = b[i++] as number;
  const flags = b[i++] as number;
  i += 2; // keep alive
  if (level === 5) i += 1 + (b[i] as number); // properties
  str(); // client id
  if (flags & 0x04) {
    if (level === 5) i += 1 + (b[i] as number);
    str();
    str();
  }
  if (!(flags & 0x80) || !(flags & 0x40)) return null;
  return [str(), str()];
}

const server = Bun.listen<{ buf: Uint8Array | null }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { buf: null };
    },
    close(s) {
      subscribers.delete(s);
    },
    data(s, d) {
      let b: Uint8Array = d;
      if (s.data.buf) {
        const j = new Uint8Array(s.data.buf.length + d.length);
        j.set(s.data.buf);
        j.set(d, s.data.buf.length);
        b = j;
        s.data.buf = null;
      }
      let off = 0;
      while (b.length - off >= 2) {
        let len = 0;
        let mul = 1;
        let i = off + 1;
        for (;;) {
          if (i >= b.length) break;
          const x = b[i++] as number;
          len += (x & 0x7f) * mul;
          mul *= 128;
          if (!(x & 0x80)) break;
        }
        if (i + len > b.length) break;
        const type = (b[off] as number) >> 4;
        if (type === 1) {
          const c = credentials(b, i);
          s.write(new Uint8Array([0x20, 2, 0, c && c[0] === user && c[1] === pass ? 0 : 5]));
        } else if (type === 12) s.write(PINGRESP);
        else if (type === 8) {
          subscribers.add(s);
          const qos = (b[i + len - 1] as number) & 3; // the last filter's options (the scenarios send one)
          s.write(new Uint8Array([0x90, 3, b[i] as number, b[i + 1] as number, qos]));
        } else if (type === 3) {
          const pkt = b.subarray(off, i + len);
          for (const sub of subscribers) sub.write(pkt);
          if (((b[off] as number) >> 1) & 3) {
            const t = i + 2 + (((b[i] as number) << 8) | (b[i + 1] as number)); // packet id after the topic
            s.write(new Uint8Array([0x40, 2, b[t] as number, b[t + 1] as number]));
          }
        } else if (type === 14) s.end();
        off = i + len;
      }
      if (off < b.length) s.data.buf = b.slice(off);
    },
  },
});
process.stdout.write(`${JSON.stringify({ event: "ready", mqtt: `127.0.0.1:${server.port}` })}\n`);
process.on("SIGTERM", () => process.exit(0));
