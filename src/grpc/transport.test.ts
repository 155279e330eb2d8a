// The transport loads grpc-js (`load`) at the first admitted connection only, once, and
// hands it every socket admitted meanwhile with what the client already sent (kept until then).
import { afterEach, expect, test } from "bun:test";
import net from "node:net";
import { createLogger } from "../lib/log.ts";
import { type GrpcTransport, type Injector, listenGrpc } from "./transport.ts";

let transport: GrpcTransport | undefined;
afterEach(async () => {
  await transport?.stop();
  transport = undefined;
});

function connect(port: number, send: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1", () => {
      c.write(send);
      resolve(c);
    });
    c.once("error", reject);
  });
}

const closed = (s: net.Socket) => new Promise<void>((resolve) => s.once("close", () => resolve()));

test("grpc-js loads at the first admitted connection, once; refused peers never load it", async () => {
  let loads = 0;
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const got: string[] = [];
  const read = Promise.withResolvers<void>();
  const injector: Injector = {
    attach: () => ({
      data(d) {
        got.push(Buffer.from(d).toString());
        if (got.join("").length >= "firstsecond".length) read.resolve();
      },
      drain() {},
      closed() {},
    }),
    destroy() {},
  };
  let admit = false;
  transport = await listenGrpc({
    host: "127.0.0.1",
    port: 0,
    admit: () => admit,
    async load() {
      loads++;
      await gate;
      return injector;
    },
    log: createLogger("test"),
  });
  // a refused peer is cut at once and loads nothing
  const refused = await connect(transport.port, "x");
  await closed(refused);
  expect(loads).toBe(0);
  // two admitted while it loads: one load; what they sent reaches grpc-js once it is there
  admit = true;
  const a = await connect(transport.port, "first");
  const b = await connect(transport.port, "second");
  while (transport.connections() < 2) await Bun.sleep(1);
  expect(loads).toBe(1);
  release();
  await read.promise;
  expect(got.sort()).toEqual(["first", "second"]);
  // a later connection goes straight to the loaded injector
  const c = await connect(transport.port, "third");
  while (transport.connections() < 3) await Bun.sleep(1);
  expect(loads).toBe(1);
  for (const s of [a, b, c]) s.destroy();
});

test("at most maxConnections sockets at once; one cut for being too many does not free a place", async () => {
  const rejected: string[] = [];
  transport = await listenGrpc({
    host: "127.0.0.1",
    port: 0,
    maxConnections: 2,
    admit: () => true,
    rejected: (a) => rejected.push(a),
    load: () => new Promise<Injector>(() => {}), // grpc-js never arrives: sockets wait
    log: createLogger("test"),
  });
  const port = transport.port;
  const a = await connect(port, "a");
  const b = await connect(port, "b");
  while (transport.connections() < 2) await Bun.sleep(1);
  const c = await connect(port, "c");
  await closed(c);
  const d = await connect(port, "d");
  await closed(d);
  expect(rejected).toEqual(["127.0.0.1", "127.0.0.1"]);
  a.destroy();
  while (transport.connections() > 1) await Bun.sleep(1);
  const e = await connect(port, "e");
  while (transport.connections() < 2) await Bun.sleep(1);
  expect(rejected.length).toBe(2);
  for (const s of [b, e]) s.destroy();
});
