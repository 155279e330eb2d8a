// machbase-neo's gRPC API from Node with @grpc/grpc-js (proto-loader on neo's .proto files),
// mutual TLS with `neo shell key gen` files: an open Append stream of a key that is
// revoked meanwhile ends (UNAUTHENTICATED) at the next live re-check, and what it streamed
// before is stored.
import { beforeAll, describe, expect, test } from "bun:test";
import { GRPC_CONFIG, needNode, nodeClient } from "./grpc-clients.ts";
import { useGateway } from "./fixture.ts";
import { eventually, neo } from "./harness.ts";

const gw = useGateway({ config: GRPC_CONFIG, keys: ["dev1", "streamer", "other", "narrowed"], ca: true });
let addr = "";
beforeAll(() => {
  if (needNode.skip) return;
  needNode.check();
  addr = gw.srv.ready.grpc ?? "";
});

describe.skipIf(needNode.skip)("gRPC from Node's @grpc/grpc-js", () => {
  test("queries over mutual TLS with a key's certificate", async () => {
    expect((await gw.write("NODEQ", '[["a", 1, 1], ["a", 2, 2], ["b", 3, 3]]', "application/json")).status).toBe(200);
    const c = nodeClient(addr, gw.ca, gw.key, "query", "select * from NODEQ");
    expect(await c.line((l) => l.event === "rows" || l.event === "error")).toEqual({ event: "rows", n: 3 });
    await c.proc.exited;
  });

  test("a revoked key's open Append stream ends, and its committed rows stay", async () => {
    const c = nodeClient(addr, gw.ca, gw.keys.streamer!, "append-hold", "HOLD");
    const bystander = nodeClient(addr, gw.ca, gw.keys.other!, "append-hold", "HOLD2");
    try {
      await c.line((l) => l.event === "open" || l.event === "error");
      await bystander.line((l) => l.event === "open");
      // rows the stream sent are committing while it stays open
      const some = async () => ((await gw.query("select count(*) from HOLD")).body.data?.rows?.[0]?.[0] as number) > 0;
      await eventually(some);
      const r = await neo(["shell", "key", "revoke", "streamer", "--data", gw.srv.data]);
      expect(r.code).toBe(0);
      const ended = await c.line((l) => l.event === "ended" || l.event === "error" || l.event === "done", 5000);
      expect(ended).toMatchObject({ event: "ended", code: "UNAUTHENTICATED" });
      expect(String(ended.details)).toContain("revoked");
      // the other key's stream goes on
      expect(bystander.proc.exitCode).toBeNull();
      const stored = (await gw.query("select count(*) from HOLD")).body.data.rows[0]?.[0] as number;
      expect(stored).toBeGreaterThan(0);
    } finally {
      c.stop();
      bystander.stop();
      await Promise.all([c.proc.exited, bystander.proc.exited]);
    }
  });

  test("a scope taken away while an Append stream is open ends it (PERMISSION_DENIED)", async () => {
    const c = nodeClient(addr, gw.ca, gw.keys.narrowed!, "append-hold", "HOLD3");
    try {
      await c.line((l) => l.event === "open" || l.event === "error");
      const r = await neo(["shell", "key", "scope", "add", "narrowed", "!tables:write:HOLD3", "--data", gw.srv.data]);
      expect(r.code).toBe(0);
      const ended = await c.line((l) => l.event === "ended" || l.event === "error" || l.event === "done", 5000);
      expect(ended).toMatchObject({ event: "ended", code: "PERMISSION_DENIED" });
      expect(String(ended.details)).toContain("not allowed to write table HOLD3");
    } finally {
      c.stop();
      await c.proc.exited;
    }
  });
});
