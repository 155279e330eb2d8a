// Issue 19, attacks 1, 5 and 6 against a real `neo serve`: a raw-socket flood of
// credential-less 14-byte CONNECTs cannot flush the audit trail (it is aggregated, bans
// the address, and never evicts a change row); control characters in a refused client id
// reach no terminal raw (CLI output piped through `cat -v`, the log); an unknown user name
// is slowed down exactly like a known one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { join } from "node:path";
import { eventually, neo, ROOT, run } from "./harness.ts";
import { type Gateway, openGateway, TOKEN_AUTH } from "./fixture.ts";
import { connack } from "./mqtt-connack.ts";

const FLOODER = "127.0.0.2";
const GUESSER = "127.0.0.3";
const FLOOD = 3000;
/** the smallest v3.1.1 CONNECT: protocol "MQTT" level 4, clean session, keep-alive 60, empty client id */
const CONNECT_14 = Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 0]);

let gw: Gateway & { close(): Promise<void> };
beforeAll(async () => {
  gw = await openGateway({
    args: TOKEN_AUTH,
    keys: ["dev1"],
    config: "Audit { MaxEvents = 1000 }\nGuard { MaxFailures = 100 }\n",
  });
});
afterAll(() => gw.close());

type AuditRow = { kind: string; action: string; address?: string; client?: string; target?: string; detail?: unknown };
async function auditRows(): Promise<AuditRow[]> {
  const r = await neo(["shell", "audit", "--data", gw.srv.data, "--limit", "100000", "--format", "json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as AuditRow[];
}

/** one raw CONNECT from `local`: resolves when the server answered or closed */
function rawConnect(port: number, local: string): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress: local });
    const done = () => {
      s.destroy();
      resolve();
    };
    s.setTimeout(10_000, done);
    s.on("connect", () => s.write(CONNECT_14));
    s.on("data", done);
    s.on("error", done);
    s.on("close", done);
  });
}

describe("an unbanned flood cannot erase the audit trail", () => {
  test(`${FLOOD} credential-less 14-byte CONNECTs cost a few audit rows, ban the address and keep every change row`, async () => {
    // history the flood must not erase: a key change (key gen) and failed guesses
    for (let i = 0; i < 3; i++)
      expect(
        await connack({
          port: gw.srv.mqttPort,
          localAddress: GUESSER,
          clientId: `g${i}`,
          username: `dev1:b:${"0".repeat(64)}`,
        }),
      ).toBe(5);
    await eventually(async () => (await auditRows()).some((e) => e.action === "key.create"));
    const before = await auditRows();

    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < FLOOD) {
          next++;
          await rawConnect(gw.srv.mqttPort, FLOODER);
        }
      }),
    );
    // the flood got the address banned (Guard.MaxRefusals) ...
    const bans = await neo(["shell", "ban", "list", "--data", gw.srv.data, "--format", "json"]);
    expect((JSON.parse(bans.stdout) as { address: string }[]).map((b) => b.address)).toContain(FLOODER);
    // ... while a valid key on another address still connects
    const ok = await gw.conn();
    ok.end(true);

    await gw.srv.stop(); // the last minute's count rows are written at shutdown
    const after = await auditRows();
    const flood = after.filter((e) => e.address === FLOODER);
    expect(flood.length).toBeLessThanOrEqual(300);
    expect(flood.some((e) => e.kind === "ban")).toBe(true);
    const counted = flood
      .filter((e) => e.action === "refused")
      .reduce((n, e) => n + (e.detail as { count: number }).count, 0);
    expect(counted + flood.filter((e) => e.action === "connect").length).toBe(FLOOD);
    // every change row and every failed guess from before is still there
    for (const e of before.filter((x) => x.kind !== "auth" || x.address === GUESSER))
      expect(after).toContainEqual(expect.objectContaining(e));
    await gw.close();
    gw = await openGateway({ args: TOKEN_AUTH, keys: ["dev1"], config: "Guard { MaxFailures = 100 }\n" });
  }, 120_000);
});

const NEO = process.env.NEO_BIN ? [process.env.NEO_BIN] : [process.execPath, join(ROOT, "src/main.ts")];
const sh = (words: string[]) => words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
const EVIL = "\u001b]0;owned\u0007\u001b[2J\u001b[8mhidden\nauth connect ok";

describe("terminal-safe output", () => {
  test("a client id with control characters is refused (0x85 / v3 2), and the CLI and the log show it escaped", async () => {
    expect(await connack({ port: gw.srv.mqttPort, clientId: EVIL, username: gw.key.token, protocolVersion: 5 })).toBe(
      0x85,
    );
    expect(await connack({ port: gw.srv.mqttPort, clientId: EVIL, username: `dev1:b:${"1".repeat(64)}` })).toBe(2);
    const ch = await neo(["shell", "channel", "create", "evil", "--name", EVIL, "--data", gw.srv.data]);
    expect(ch.code).toBe(0);
    for (const cmd of [
      ["shell", "audit", "--data", gw.srv.data],
      ["shell", "channel", "list", "--data", gw.srv.data],
    ]) {
      const shown = "\\x1b]0;owned\\x07\\x1b[2J\\x1b[8mhidden\\nauth connect ok";
      // the audit rows are committed in batches: poll until they are there
      const r = await eventually(async () => {
        const out = await run(["sh", "-c", `${sh([...NEO, ...cmd])} | cat -v`]);
        return out.stdout.includes(shown) ? out : undefined;
      });
      expect(r.stdout).not.toContain("^["); // cat -v shows a raw ESC as ^[
      expect(r.stdout).not.toContain("^G");
    }
    // the token's client id is only claimed: shown as such
    await eventually(async () =>
      (await neo(["shell", "audit", "--data", gw.srv.data, "--result", "fail"])).stdout.includes("claimed:dev1"),
    );
    // JSON stays exact
    const json = await neo(["shell", "audit", "--data", gw.srv.data, "--format", "json"]);
    expect((JSON.parse(json.stdout) as AuditRow[]).some((e) => e.target === EVIL)).toBe(true);
    expect(gw.srv.logs()).not.toContain("\u001b");
  });
});

describe("no user enumeration", () => {
  test("wrong passwords for an unknown name are slowed down like those for a known name", async () => {
    const login = async (name: string, from: string) => {
      const t0 = performance.now();
      const r = await run([
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--interface",
        from,
        "-H",
        "content-type: application/json",
        "-d",
        JSON.stringify({ loginName: name, password: "wrong" }),
        `${gw.srv.httpUrl}/web/api/login`,
      ]);
      return { status: r.stdout, ms: performance.now() - t0 };
    };
    const attack = async (name: string, from: string) => {
      for (let i = 0; i < 4; i++) expect((await login(name, from)).status).toBe("401");
      // the per-name spacing: of three parallel tries, one waits at least a step (250 ms)
      const three = await Promise.all([login(name, from), login(name, from), login(name, from)]);
      return { statuses: three.map((t) => t.status), slowest: Math.max(...three.map((t) => t.ms)) };
    };
    const known = await attack("admin", "127.0.0.4");
    const unknown = await attack("mallory", "127.0.0.5");
    expect(unknown.statuses).toEqual(known.statuses);
    expect(known.slowest).toBeGreaterThanOrEqual(250);
    expect(unknown.slowest).toBeGreaterThanOrEqual(250);
  }, 60_000);
});
