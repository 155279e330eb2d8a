import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatListen, parseHost, parseListen, parsePort } from "./listen.ts";

describe("listen addresses", () => {
  test("host:port, tcp://host:port and [::1]:port are accepted", () => {
    expect(parseListen("127.0.0.1:5654")).toEqual({ ok: true, value: { host: "127.0.0.1", port: 5654 } });
    expect(parseListen("tcp://0.0.0.0:1883")).toEqual({ ok: true, value: { host: "0.0.0.0", port: 1883 } });
    expect(parseListen("TCP://localhost:0")).toEqual({ ok: true, value: { host: "localhost", port: 0 } });
    expect(parseListen("[::1]:5653")).toEqual({ ok: true, value: { host: "::1", port: 5653 } });
    expect(parseListen("tcp://[fe80::1]:80")).toEqual({ ok: true, value: { host: "fe80::1", port: 80 } });
  });

  test("a missing host, port or bracket, and other schemes, are refused with the reason", () => {
    expect(parseListen(":5654")).toEqual({ ok: false, error: "empty host (use 0.0.0.0 to listen on every interface)" });
    expect(parseListen("localhost")).toEqual({
      ok: false,
      error: 'missing port in "localhost" (expected "host:port")',
    });
    expect(parseListen("[::1]5653")).toEqual({
      ok: false,
      error: 'invalid address "[::1]5653" (expected "[::1]:port")',
    });
    expect(parseListen("::1:80").ok).toBe(false);
    expect(parseListen("ws://h:1")).toMatchObject({
      ok: false,
      error: expect.stringContaining('unsupported scheme "ws://"'),
    });
    expect(parseListen("h:-1")).toEqual({ ok: false, error: 'invalid port "-1" (expected an integer 0-65535)' });
    expect(parseListen("bad host:1")).toEqual({ ok: false, error: 'invalid host "bad host"' });
  });

  test("ports are integers from 0 to 65535", () => {
    expect(parsePort("0")).toEqual({ ok: true, value: 0 });
    expect(parsePort(65535)).toEqual({ ok: true, value: 65535 });
    expect(parsePort("65536")).toEqual({ ok: false, error: "port 65536 out of range (0-65535)" });
    expect(parsePort("1e3").ok).toBe(false);
  });

  test("hosts may be IPv6 with or without brackets", () => {
    expect(parseHost("[::1]")).toEqual({ ok: true, value: "::1" });
    expect(parseHost("::1")).toEqual({ ok: true, value: "::1" });
    expect(parseHost("::g").ok).toBe(false);
  });

  test("IPv6 hosts are printed in brackets so the text parses back", () => {
    expect(formatListen({ host: "::1", port: 1 })).toBe("[::1]:1");
    expect(formatListen({ host: "127.0.0.1", port: 5654 })).toBe("127.0.0.1:5654");
    expect(parseListen(formatListen({ host: "fe80::1", port: 9 }))).toEqual({
      ok: true,
      value: { host: "fe80::1", port: 9 },
    });
  });
});

describe("import rules", () => {
  test("config imports only node builtins, src/lib and its own files", () => {
    const dir = import.meta.dir;
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts"))) {
      const src = readFileSync(join(dir, f), "utf8");
      for (const m of src.matchAll(/^(?:import|export)[^'"]*from\s+["']([^"']+)["']/gm)) {
        const spec = m[1] ?? "";
        const ok = spec.startsWith("node:") || spec.startsWith("./") || spec.startsWith("../lib/");
        expect(ok ? spec : `${f} imports ${spec}`).toBe(spec);
      }
    }
  });
});
