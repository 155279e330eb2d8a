import { describe, expect, test } from "bun:test";
import { NeoError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { errorResponse } from "./respond.ts";

const logged: string[] = [];
const log: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (msg: string) => void logged.push(msg),
};

describe("error -> Response", () => {
  test("a client's error (4xx NeoError) keeps its message for the client", async () => {
    const r = errorResponse(new NeoError("bad_request", "missing query (q)", 400), log);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ success: false, reason: "missing query (q)" });
  });

  test("a 5xx never carries the internal message or a path: generic reason out, detail in the log", async () => {
    const secret = "cannot read /var/lib/neo/pki/ca.key: EACCES";
    const r = errorResponse(new NeoError("pki_unreadable", secret, 500), log, "GET /db/query");
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('{"success":false,"reason":"internal error"}');
    const busy = errorResponse(new NeoError("store_closed", "series store is closed", 503), log);
    expect(await busy.json()).toEqual({ success: false, reason: "service unavailable, try again later" });
    const thrown = errorResponse(new Error("SQLITE_IOERR at /data/series.db"), log);
    expect(thrown.status).toBe(500);
    expect(await thrown.text()).not.toContain("/data");
    expect(logged.join("\n")).toContain(secret);
  });
});
