// The arm64 artefact dist/neo-linux-arm64 under qemu-aarch64: version and a token-auth
// gateway taking an HTTP write and query and an MQTT publish. Every process is stopped by PID.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARM_BIN, eventually, QEMU, query, runCmd, serve, strayDir, tempDir, useDist } from "./appliance-kit.ts";

useDist();

describe("dist/neo-linux-arm64 under qemu-aarch64", () => {
  test("version reports the arm64 target", async () => {
    const r = await runCmd([...QEMU, ARM_BIN, "version"], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("target     bun-linux-arm64");
  }, 70_000);

  test("serve with token auth accepts an authenticated HTTP write and query and an MQTT publish with a token", async () => {
    const { dir, exe } = strayDir(ARM_BIN);
    const data = tempDir("neo-arm-data-");
    const s = await serve(
      [
        // no binfmt_misc here: the gateway starts its query processes through qemu too
        "env",
        `NEO_QUERY_LAUNCHER=${QEMU.join(" ")}`,
        ...QEMU,
        exe,
        "serve",
        "--data",
        data,
        "--host",
        "127.0.0.1",
        "--http-port",
        "0",
        "--mqtt-port",
        "0",
        "--http-enable-token-auth",
        "true",
        "--mqtt-enable-token-auth",
        "true",
      ],
      { cwd: dir, timeoutMs: 90_000 },
    );
    try {
      const base = `http://${s.ready.http}`;
      const keys = tempDir("neo-arm-keys-");
      const gen = await runCmd(
        [...QEMU, exe, "shell", "key", "gen", "dev1", "--output", join(keys, "dev1"), "--data", data],
        { cwd: dir, timeoutMs: 60_000 },
      );
      expect(gen.code).toBe(0);
      expect(gen.stdout).toContain(`Save token ${join(keys, "dev1")}_token`);
      const tokenFile = `${join(keys, "dev1")}_token`;
      const token = readFileSync(tokenFile, "utf8").trim();

      // no token: refused
      const anon = await runCmd([
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `${base}/db/query?q=select%201`,
      ]);
      expect(anon.stdout).toBe("401");

      const body = JSON.stringify({
        data: { columns: ["NAME", "TIME", "VALUE"], rows: [["wave.http", 1675851592000000000, 1.5]] },
      });
      const w = await runCmd([
        "curl",
        "-s",
        "-X",
        "POST",
        "-H",
        `Authorization: Bearer ${token}`,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        body,
        `${base}/db/write/EXAMPLE`,
      ]);
      expect(JSON.parse(w.stdout)).toMatchObject({ success: true, reason: "success, 1 record(s) inserted" });
      const q = await query(base, token, "select NAME, VALUE from EXAMPLE where NAME = 'wave.http'");
      expect(q.success).toBe(true);
      expect(q.data?.rows).toEqual([["wave.http", 1.5]]);

      const [host, port] = s.ready.mqtt.split(/:(?=\d+$)/) as [string, string];
      const pub = await runCmd(
        [
          "mosquitto_pub",
          "-h",
          host,
          "-p",
          port,
          "--username",
          token,
          "-q",
          "1",
          "-t",
          "db/write/EXAMPLE",
          "-m",
          '[ "wave.pi", 1675851592000000000, 3.1415]',
        ],
        { timeoutMs: 30_000 },
      );
      expect(pub.code).toBe(0);
      const rows = await eventually(async () => {
        const r = await query(base, token, "select NAME, VALUE from EXAMPLE where NAME = 'wave.pi'");
        return r.data?.rows.length ? r.data.rows : undefined;
      }, 15_000);
      expect(rows).toEqual([["wave.pi", 3.1415]]);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 200_000);
});
