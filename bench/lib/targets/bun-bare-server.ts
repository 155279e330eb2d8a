// The floor under neo: a bare Bun.listen that answers MQTT the least a broker can, as a child
// process of the bench (`bun bun-bare-server.ts <user> <password>`): a CONNECT with the right
// username and password gets CONNACK 0 (else 5), a PINGREQ a PINGRESP, a SUBSCRIBE a SUBACK
// granting QoS 0; nothing is routed, stored, audited or kept. For the `storm` scenario: what a
// Bun server's own accept/read/write path costs under the same storm, beside neo.
// Prints {"event":"ready","mqtt":"127.0.0.1:PORT"} on stdout once listening.
const [user, pass] = process.argv.slice(2);
if (!user || !pass) {
  console.error("usage: bun-bare-server.ts <user> <password>");
  process.exit(2);
}
const PINGRESP = new Uint8Array([0xd0, 0]);

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
        else if (type === 8) s.write(new Uint8Array([0x90, 3, b[i] as number, b[i + 1] as number, 0]));
        else if (type === 14) s.end();
        off = i + len;
      }
      if (off < b.length) s.data.buf = b.slice(off);
    },
  },
});
process.stdout.write(`${JSON.stringify({ event: "ready", mqtt: `127.0.0.1:${server.port}` })}\n`);
process.on("SIGTERM", () => process.exit(0));
