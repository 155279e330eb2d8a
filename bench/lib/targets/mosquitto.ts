// Debian's mosquitto, started on a free loopback port with a generated config.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makePki, type TestPki } from "../pki.ts";
import { freePort, run, waitForPort, withNofile } from "../proc.ts";
import type { Identity, Mode, Running, Target } from "./types.ts";

const BIN = "/usr/sbin/mosquitto";
const USER = "bench";
const PASS = "bench-secret-7f3a";

export async function ensureMosquitto(): Promise<string | null> {
  if (existsSync(BIN)) return null;
  try {
    await run(["apt-get", "install", "-y", "mosquitto"]);
    return existsSync(BIN) ? null : "apt-get install mosquitto did not provide /usr/sbin/mosquitto";
  } catch (e) {
    return `mosquitto missing and apt-get install failed: ${(e as Error).message.split("\n")[0]}`;
  }
}

export function createMosquittoTarget(opts: { nofile: number }): Target {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-mosq-"));
  let version = "";
  let pki: TestPki | null = null;
  let passwd = "";

  return {
    name: "mosquitto",
    describe: () => `${BIN} ${version}`.trim(),
    unavailable: () => (existsSync(BIN) ? null : `${BIN} not installed`),
    async start(mode: Mode, needIds: number): Promise<Running> {
      if (!version) {
        const p = Bun.spawnSync([BIN, "-h"]);
        version = /mosquitto version (\S+)/.exec(p.stdout.toString())?.[1] ?? "?";
      }
      const port = await freePort();
      const lines = [
        `listener ${port} 127.0.0.1`,
        "persistence false",
        "log_dest none",
        "allow_anonymous false",
        // tuned, not default: without it Nagle + delayed ACKs cap TLS and QoS 1 round trips (see README)
        "set_tcp_nodelay true",
      ];
      // as root mosquitto would switch to user "mosquitto", who cannot read our 0700 temp dir
      if (process.getuid?.() === 0) lines.push("user root");
      if (mode === "tcp") {
        if (!passwd) {
          passwd = join(dir, "passwd");
          writeFileSync(passwd, "");
          await run(["mosquitto_passwd", "-b", passwd, USER, PASS]);
        }
        lines.push(`password_file ${passwd}`);
      } else {
        pki ??= await makePki(dir, "bench01");
        lines.push(
          `cafile ${pki.ca}`,
          `certfile ${pki.serverCert}`,
          `keyfile ${pki.serverKey}`,
          "require_certificate true",
          "use_identity_as_username true",
        );
      }
      const conf = join(dir, `mosquitto-${mode}.conf`);
      writeFileSync(conf, `${lines.join("\n")}\n`);
      const proc = Bun.spawn(withNofile([BIN, "-c", conf], opts.nofile), { stdout: "ignore", stderr: "pipe" });
      try {
        await waitForPort(port, 5000);
      } catch (e) {
        proc.kill("SIGKILL");
        const err = await new Response(proc.stderr).text();
        throw new Error(`mosquitto did not start: ${(e as Error).message} ${err.trim()}`);
      }
      const ids: Identity[] = [];
      for (let i = 0; i < Math.max(1, needIds); i++) {
        ids.push(
          mode === "tcp"
            ? { clientId: `mq-${i}`, username: USER, password: PASS }
            : { clientId: `mq-${i}`, tls: { ca: pki!.ca, cert: pki!.clientCert, key: pki!.clientKey } },
        );
      }
      return { proc, pid: proc.pid, host: "127.0.0.1", port, ids, fixedIds: false };
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
