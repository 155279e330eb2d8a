// gRPC with ClientAuth "optional": machbase-neo's token as `authorization: Bearer <token>`
// metadata identifies a caller without a certificate; nothing, or a wrong token, is refused
// (there is no anonymous gRPC caller); a Conn with machbase-neo's database user is not a
// neo credential. /metrics counts the calls by method and code.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { needPython, py, pythonStubs } from "./grpc-clients.ts";
import { useGateway } from "./fixture.ts";

const gw = useGateway({
  config: 'Http {\n  MetricsPublic = true\n}\nGrpc {\n  Listen = "127.0.0.1:0"\n  Tls { ClientAuth = "optional" }\n}\n',
  keys: ["dev1", "other"],
  ca: true,
});
let stubs = "";
const noCert = { cert: "-", key: "-" };
const call = (who: { cert: string; key: string; token?: string }, ...cmd: string[]) =>
  py(stubs, gw.srv.ready.grpc ?? "", gw.ca, who, ...cmd);

beforeAll(async () => {
  if (needPython.skip) return;
  needPython.check();
  stubs = await pythonStubs(gw.dir);
}, 60_000);

describe.skipIf(needPython.skip)("gRPC with a token in metadata (ClientAuth optional)", () => {
  test("a key's token as metadata identifies a caller without a certificate", async () => {
    expect(await call({ ...noCert, token: gw.key.token }, "queryrow", "select 41 + 1")).toMatchObject({
      ok: true,
      values: [42],
    });
  });

  test("no credential, a wrong token, or another key's token beside a certificate is refused", async () => {
    expect(await call(noCert, "queryrow", "select 1")).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
    const wrong = `${gw.key.token.split(":b:")[0]}:b:${"0".repeat(64)}`;
    expect(await call({ ...noCert, token: wrong }, "queryrow", "select 1")).toMatchObject({
      ok: false,
      code: "UNAUTHENTICATED",
    });
    const mixed = await call(
      { cert: gw.key.cert, key: gw.key.key, token: gw.keys.other!.token },
      "queryrow",
      "select 1",
    );
    expect(mixed).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
  });

  test("Conn with machbase-neo's database user is refused: it is not a neo credential", async () => {
    expect(await call({ cert: gw.key.cert, key: gw.key.key }, "conn-as", "sys")).toMatchObject({
      ok: false,
      code: "UNAUTHENTICATED",
    });
    expect(await call({ cert: gw.key.cert, key: gw.key.key }, "conn-as", "dev1")).toMatchObject({ ok: true });
  });

  test("UserAuth checks a neo user's password through the one password check", async () => {
    const password = readFileSync(join(gw.srv.data, "web-admin-password"), "utf8").trim();
    const dev1 = { cert: gw.key.cert, key: gw.key.key };
    expect(await call(dev1, "userauth", "admin", password)).toMatchObject({ ok: true });
    expect(await call(dev1, "userauth", "admin", "wrong")).toMatchObject({
      ok: false,
      reason: "invalid username or password",
    });
  });

  test("/metrics counts gRPC calls by method and status code, and open connections", async () => {
    const text = await (await gw.http("/metrics")).text();
    expect(text).toMatch(/neo_grpc_calls_total\{code="OK",method="QueryRow"\} [1-9]/);
    expect(text).toMatch(/neo_grpc_calls_total\{code="UNAUTHENTICATED",method="Conn"\} [1-9]/);
    expect(text).toContain("neo_grpc_connections ");
  });

  test("the console's Overview lists the gRPC listener and how its callers authenticate", async () => {
    const password = readFileSync(join(gw.srv.data, "web-admin-password"), "utf8").trim();
    const login = await gw.http(
      "/web/api/login",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ loginName: "admin", password }),
      },
      null,
    );
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const r = await gw.http("/web/api/console/overview", {}, session);
    const ov = (
      (await r.json()) as { data: { listeners: { name: string; address: string; tls: boolean; auth: string }[] } }
    ).data;
    expect(ov.listeners).toContainEqual({
      name: "gRPC (machbase-neo API)",
      address: gw.srv.ready.grpc ?? "",
      tls: true,
      auth: "client certificate (optional) or token in metadata",
    });
  });
});
