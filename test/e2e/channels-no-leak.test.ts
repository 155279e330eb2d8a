// The channel adapters decide the caller's right BEFORE telling whether a channel exists
// (issue 18): with curl, a key that is not connected gets the same 403 (naming the channel)
// for an existing and a missing channel on POST /http/channels/<id>/messages, on the
// WebSocket upgrade of /ws/channels/<id>/messages and on SuperMQ's /m/<domain>/c/<id>; a
// key with the right to a channel that does not exist gets 404.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cleanup, genKey, neo, run, startServer, type Server } from "./harness.ts";

let srv: Server;
let stranger: string;
let roamer: string;
const SENML = '[{"n":"v","v":1}]';

beforeAll(async () => {
  srv = await startServer();
  stranger = (await genKey(srv.data, "stranger")).token;
  roamer = (await genKey(srv.data, "roamer", ["--scope", "channels:publish:*", "--scope", "channels:subscribe:*"]))
    .token;
  const r = await neo(["shell", "channel", "create", "plant-a", "--data", srv.data]);
  if (r.code !== 0) throw new Error(r.stderr);
}, 30_000);
afterAll(async () => {
  await srv?.stop();
  if (srv) cleanup(srv.data);
});

/** curl -> [status, body] */
async function curl(method: string, path: string, token: string, upgrade = false): Promise<[number, string]> {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", "-H", `Authorization: Thing ${token}`];
  if (upgrade)
    args.push(
      "-H",
      "Connection: Upgrade",
      "-H",
      "Upgrade: websocket",
      "-H",
      "Sec-WebSocket-Version: 13",
      "-H",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "--max-time",
      "5",
    );
  else args.push("-H", "Content-Type: application/senml+json", "--data-binary", SENML);
  args.push(`${srv.httpUrl}${path}`);
  const r = await run(args);
  const lines = r.stdout.trimEnd().split("\n");
  return [Number(lines.pop()), lines.join("\n")];
}

test("a key that is not connected gets the same 403 for an existing and a missing channel", async () => {
  for (const id of ["plant-a", "no-such-channel"]) {
    for (const [method, path, up] of [
      ["POST", `/http/channels/${id}/messages`, false],
      ["GET", `/ws/channels/${id}/messages`, true],
      ["POST", `/m/default/c/${id}`, false],
    ] as const) {
      const [status, body] = await curl(method, path, stranger, up);
      expect(`${method} ${path} -> ${status}`).toBe(`${method} ${path} -> 403`);
      expect(JSON.parse(body)).toEqual({
        success: false,
        reason: `client stranger is not connected to channel ${id}`,
      });
    }
  }
});

test("a key with the right to a channel that does not exist gets 404; to one that does, 202", async () => {
  const [missing, body] = await curl("POST", "/http/channels/no-such-channel/messages", roamer);
  expect(missing).toBe(404);
  expect(JSON.parse(body).reason).toMatch(/not found/);
  expect((await curl("GET", "/ws/channels/no-such-channel/messages", roamer, true))[0]).toBe(404);
  expect((await curl("POST", "/m/default/c/no-such-channel", roamer))[0]).toBe(404);
  expect((await curl("POST", "/http/channels/plant-a/messages", roamer))[0]).toBe(202);
});
