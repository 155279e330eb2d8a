// HTTPS with optional client certificates and WSS on the same port: a certificate alone
// authenticates /db/*, the token rule otherwise, and the full refusal matrix with curl.
import { beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { genKey, neo, run, type Server } from "./harness.ts";
import { closedWithin, type foreignCerts, type Key, ROW, useTlsMatrix } from "./tls-fixture.ts";

describe("HTTPS and WSS with optional client certificates", () => {
  const m = useTlsMatrix();
  const { https, count, unchanged } = m;
  let srv: Server;
  let ca: string;
  let app: Key;
  let other: Key;
  let bad: Awaited<ReturnType<typeof foreignCerts>>;
  beforeAll(() => {
    ({ srv, ca, app, other, bad } = m.state());
  });

  test("curl over HTTPS: a certificate alone authenticates /db/*, no Bearer header needed", async () => {
    const r = await run([
      "curl",
      "-s",
      "--cacert",
      ca,
      "--cert",
      app.cert,
      "--key",
      app.key,
      `${srv.httpUrl}/db/query?q=${encodeURIComponent("select 1 as ONE")}`,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ success: true, data: { rows: [[1]] } });
    const before = await count();
    const w = await run([
      "curl",
      "-s",
      "--cacert",
      ca,
      "--cert",
      app.cert,
      "--key",
      app.key,
      "-H",
      "Content-Type: text/csv",
      "--data-binary",
      "wave.https,1675851592000000000,1",
      `${srv.httpUrl}/db/write/TLSX`,
    ]);
    expect(JSON.parse(w.stdout).success).toBe(true);
    expect(await count()).toBe(before + 1);
  });

  test("HTTPS without a certificate falls back to the token rule (ClientAuth optional)", async () => {
    const none = await https("/db/query?q=select%201");
    expect(none.status).toBe(401);
    expect(((await none.json()) as { reason: string }).reason).toBe("missing authorization token");
    const tok = await https("/db/query?q=select%201", { headers: { Authorization: `Bearer ${app.token}` } });
    expect(tok.status).toBe(200);
  });

  test("HTTPS certificate matrix: foreign and self-signed fail the handshake; deleted, revoked, other's token refused; nothing written", async () => {
    const curlWrite = (k: { cert: string; key: string }, extra: string[] = []) =>
      run([
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "--cacert",
        ca,
        "--cert",
        k.cert,
        "--key",
        k.key,
        ...extra,
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        "refused,1675851592000000000,1",
        `${srv.httpUrl}/db/write/TLSX`,
      ]);
    await unchanged(async () => {
      for (const k of [bad.foreign, bad.self]) {
        const r = await curlWrite(k);
        expect(r.code).not.toBe(0);
      }
      const expired = await genKey(srv.data, "https-expired", ["--not-after", "2020-01-01T00:00:00Z"]);
      expect((await curlWrite(expired)).code).not.toBe(0);
      const gone = await genKey(srv.data, "https-gone");
      await neo(["shell", "key", "del", "https-gone", "--data", srv.data]);
      const g = await curlWrite(gone);
      expect(g.stdout).toBe('{"success":false,"reason":"invalid client certificate"}\n401');
      const rv = await genKey(srv.data, "https-revoked");
      await neo(["shell", "key", "revoke", "https-revoked", "--data", srv.data]);
      expect((await curlWrite(rv)).stdout).toEndWith("\n401");
      const mix = await curlWrite(app, ["-H", `Authorization: Bearer ${other.token}`]);
      expect(mix.stdout).toBe(
        '{"success":false,"reason":"token and client certificate belong to different clients"}\n403',
      );
      expect((await curlWrite(app, ["-H", "Authorization: Bearer tls-app01:b:nope"])).stdout).toEndWith("\n401");
    });
    // the same client's token with its certificate is fine
    const same = await https("/db/query?q=select%201", {
      cert: app,
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(same.status).toBe(200);
  });

  test("MQTT.js wss:// with a client certificate is that client; the key's revocation drops it within a second", async () => {
    const k = await genKey(srv.data, "wss-app");
    const url = `${srv.httpUrl.replace("https", "wss")}/mqtt`;
    const opts = {
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(k.cert).text(),
      key: await Bun.file(k.key).text(),
      reconnectPeriod: 0,
    };
    await expect(mqtt.connectAsync(url, { ...opts, clientId: "someone-else", connectTimeout: 3000 })).rejects.toThrow();
    const c = await mqtt.connectAsync(url, { ...opts, clientId: "wss-app" });
    const before = await count();
    await c.publishAsync("db/append/TLSX", ROW("wss"), { qos: 1 });
    expect(await count()).toBe(before + 1);
    const closed = closedWithin(c);
    const r = await neo(["shell", "key", "revoke", "wss-app", "--data", srv.data]);
    const t0 = Date.now();
    expect(r.code).toBe(0);
    expect((await closed) - t0).toBeLessThan(1000);
  });

  test("MQTT over WSS without a certificate still needs a token: TLS never turns auth off", async () => {
    const url = `${srv.httpUrl.replace("https", "wss")}/mqtt`;
    const caText = await Bun.file(ca).text();
    await unchanged(async () => {
      await expect(mqtt.connectAsync(url, { ca: caText, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    });
    const c = await mqtt.connectAsync(url, { ca: caText, username: app.token, reconnectPeriod: 0 });
    await c.endAsync();
  });
});
