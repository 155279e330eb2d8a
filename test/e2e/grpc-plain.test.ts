// gRPC without TLS (Grpc.Tls.Enabled = false): plain HTTP/2 on the listener's socket, every
// call identified by the token in its metadata (machbase-neo's `authorization: Bearer`), no
// token refused, and the audit trail has the caller's own address. The listener hands its
// first admitted socket to grpc-js after loading it (src/grpc/transport.ts).
import { beforeAll, describe, expect, test } from "bun:test";
import { needPython, py, pythonStubs } from "./grpc-clients.ts";
import { useGateway } from "./fixture.ts";
import { eventually, neo } from "./harness.ts";

const gw = useGateway({
  config: 'Grpc {\n  Listen = "127.0.0.1:0"\n  Tls {\n    Enabled = false\n  }\n}\n',
  keys: ["dev1"],
});
let stubs = "";
const call = (token: string | undefined, ...cmd: string[]) =>
  py(stubs, gw.srv.ready.grpc ?? "", "-", { cert: "-", key: "-", ...(token ? { token } : {}) }, ...cmd);

beforeAll(async () => {
  if (needPython.skip) return;
  needPython.check();
  stubs = await pythonStubs(gw.dir);
}, 60_000);

describe.skipIf(needPython.skip)("gRPC without TLS", () => {
  test("the ready line says the listener is not TLS", () => {
    expect(gw.srv.ready.grpcTls).toBe(false);
  });

  test("a key's token in metadata queries; no token is refused and audited with the client's address", async () => {
    expect(await call(gw.key.token, "queryrow", "select 41 + 1")).toMatchObject({ ok: true, values: [42] });
    expect(await call(undefined, "queryrow", "select 1")).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
    const rows = await eventually(async () => {
      const a = await neo(["shell", "audit", "--kind", "auth", "--format", "json", "--data", gw.srv.data]);
      const r = (JSON.parse(a.stdout) as { result: string; listener?: string; address?: string }[]).filter(
        (e) => e.listener === "grpc" && e.result === "fail",
      );
      return r.length > 0 && r;
    });
    expect(rows[0]?.address).toBe("127.0.0.1");
  });
});
