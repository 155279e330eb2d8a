// Aedes under Bun, as a child process of the bench: `bun aedes-server.ts <port> <user> <password>`.
// Prints {"event":"ready","mqtt":"127.0.0.1:PORT"} on stdout once listening.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:net";
import { Aedes } from "aedes";

const [portArg, user, pass] = process.argv.slice(2);
if (!portArg || !user || !pass) {
  console.error("usage: aedes-server.ts <port> <user> <password>");
  process.exit(2);
}
const wantHash = createHash("sha256").update(pass).digest();

const broker = await Aedes.createBroker({
  authenticate(_client, username, password, done) {
    const got = createHash("sha256")
      .update(password ?? Buffer.alloc(0))
      .digest();
    const ok = username === user && timingSafeEqual(got, wantHash);
    if (ok) return done(null, true);
    const err = Object.assign(new Error("bad credentials"), { returnCode: 4 as const });
    done(err, null);
  },
});
const server = createServer(broker.handle);
server.listen(Number(portArg), "127.0.0.1", () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  process.stdout.write(`${JSON.stringify({ event: "ready", mqtt: `127.0.0.1:${port}` })}\n`);
});
const stop = () => {
  server.close();
  broker.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
