import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../load.ts";
import { editDistance, closest } from "../suggest.ts";

const check = (text: string) => parseConfigText(text, "neo.conf", "/etc/neo");
const problemsOf = (text: string) => check(text).problems;

describe("schema: accepted keys", () => {
  test("every documented key lands in the patch", () => {
    const r = check(`
Data = "data"
Log { Level = "debug" }
Http {
  Listen = "tcp://0.0.0.0:8080"
  EnableTokenAuth = true
  Tls { Enabled = true, ClientAuth = "optional", CertFile = "/c.pem", KeyFile = "k.pem" }
}
Mqtt = {
  Listen = "[::1]:1883"
  EnableTokenAuth = true
  MaxMessageSizeLimit = 2_097_152
  RequireClientIdMatch = true
  Tls = { Enabled = true, ClientAuth = "optional" }
}
`);
    expect(r.problems).toEqual([]);
    expect(r.patch).toEqual({
      data: "/etc/neo/data",
      logLevel: "debug",
      http: {
        host: "0.0.0.0",
        port: 8080,
        enableTokenAuth: true,
        tls: { enabled: true, clientAuth: "optional", certFile: "/c.pem", keyFile: "/etc/neo/k.pem" },
      },
      mqtt: {
        host: "::1",
        port: 1883,
        enableTokenAuth: true,
        maxMessageSizeLimit: 2097152,
        requireClientIdMatch: true,
        tls: { enabled: true, clientAuth: "optional" },
      },
      storage: {},
      coap: {},
      guard: {},
      audit: {},
      login: {},
    });
  });

  test("dotted keys (machbase-neo's Tls.Enabled form) merge with blocks of the same name", () => {
    const r = check('Mqtt.Tls.Enabled = true\nMqtt { EnableTokenAuth = true }\nMqtt { Tls.ClientAuth = "optional" }');
    expect(r.problems).toEqual([]);
    expect(r.patch.mqtt).toEqual({ enableTokenAuth: true, tls: { enabled: true, clientAuth: "optional" } });
  });
});

describe("schema: problems carry file:line:col", () => {
  test("an unknown key gets a did-you-mean from a case-insensitive edit distance", () => {
    expect(problemsOf("Http {\n  EnableTokenAuht = true\n}")).toEqual([
      'neo.conf:2:3: unknown key "EnableTokenAuht" in Http; did you mean "EnableTokenAuth"?',
    ]);
    expect(problemsOf('Dta = "x"')).toEqual(['neo.conf:1:1: unknown key "Dta"; did you mean "Data"?']);
  });

  test("a key that differs only in case says keys are case-sensitive", () => {
    expect(problemsOf('Http { listen = "127.0.0.1:1" }')).toEqual([
      'neo.conf:1:8: unknown key "listen" in Http; did you mean "Listen"? (keys are case-sensitive)',
    ]);
  });

  test("a key from another block says where it belongs", () => {
    expect(problemsOf("Http { MaxMessageSizeLimit = 10 }")).toEqual([
      'neo.conf:1:8: unknown key "MaxMessageSizeLimit" in Http; it belongs in "Mqtt.MaxMessageSizeLimit"',
    ]);
    expect(problemsOf("Tls { Enabled = true }")).toEqual([
      'neo.conf:1:7: unknown key "Enabled" in Tls; the top-level Tls block holds trusted client CAs; Enabled belongs in "Http.Tls" or "Mqtt.Tls" or "Grpc.Tls" or "Coap.Tls"',
    ]);
  });

  test("machbase-neo keys neo does not take say what to write instead", () => {
    expect(problemsOf('Mqtt {\n  Listeners = ["tcp://127.0.0.1:1883", "quic://x:1"]\n  EnableTls = true\n}')).toEqual([
      'neo.conf:2:15: Mqtt.Listeners: unsupported transport "quic://" (use tcp://, tls://, ws:// or wss://)',
      'neo.conf:3:3: unknown key "EnableTls" in Mqtt; write Tls { Enabled = true } instead',
    ]);
  });

  test("an unknown key with nothing close lists the known keys", () => {
    expect(problemsOf("Log { Verbosity = 3 }")).toEqual([
      'neo.conf:1:7: unknown key "Verbosity" in Log (known keys in Log: Level)',
    ]);
  });

  test("wrong types are reported at the value", () => {
    expect(problemsOf('Http {\n  EnableTokenAuth = "true"\n}\nMqtt { MaxMessageSizeLimit = "1MB" }\nData = 5')).toEqual(
      [
        'neo.conf:2:21: Http.EnableTokenAuth: expected boolean, got string "true"',
        'neo.conf:4:30: Mqtt.MaxMessageSizeLimit: expected integer, got string "1MB"',
        "neo.conf:5:8: Data: expected string, got number 5",
      ],
    );
  });

  test("a block key given a plain value, and a plain key given a block, are both wrong types", () => {
    expect(problemsOf("Http = true\nLog { Level { X = 1 } }")).toEqual([
      "neo.conf:1:8: Http: expected a block { ... }, got boolean",
      'neo.conf:2:13: Log.Level: expected one of "debug", "info", "warn", "error", got block',
    ]);
  });

  test("bad enum values list the allowed ones; MQTT client auth cannot be none", () => {
    expect(problemsOf('Log { Level = "verbose" }\nMqtt.Tls.ClientAuth = "none"')).toEqual([
      'neo.conf:1:15: Log.Level: expected one of "debug", "info", "warn", "error", got "verbose"',
      'neo.conf:2:23: Mqtt.Tls.ClientAuth: expected one of "require", "optional", got "none"',
    ]);
  });

  test("ports out of range and malformed listen addresses are reported", () => {
    expect(
      problemsOf(
        'Http.Listen = "127.0.0.1:65536"\nMqtt.Listen = "localhost"\nHttp.Listen = "::1:80"\nMqtt.Listen = "unix:///tmp/s"',
      ),
    ).toEqual([
      "neo.conf:1:15: Http.Listen: port 65536 out of range (0-65535)",
      'neo.conf:2:15: Mqtt.Listen: missing port in "localhost" (expected "host:port")',
      "neo.conf:3:6: Http.Listen: duplicate key (first set at 1:6)",
      "neo.conf:4:6: Mqtt.Listen: duplicate key (first set at 2:6)",
    ]);
    expect(problemsOf('Http.Listen = "::1:80"')).toEqual([
      'neo.conf:1:15: Http.Listen: IPv6 address needs brackets in "::1:80" (e.g. "[::1]:5653")',
    ]);
    expect(problemsOf('Mqtt.Listen = "unix:///tmp/s"')).toEqual([
      'neo.conf:1:15: Mqtt.Listen: unsupported scheme "unix://" in "unix:///tmp/s" (use "tcp://host:port" or "host:port")',
    ]);
  });

  test("a message size limit outside 1..MQTT's maximum packet is out of range", () => {
    expect(problemsOf("Mqtt { MaxMessageSizeLimit = 0 }")).toEqual([
      "neo.conf:1:30: Mqtt.MaxMessageSizeLimit: 0 out of range (1-268435460)",
    ]);
    expect(problemsOf("Mqtt { MaxMessageSizeLimit = 1.5 }")).toEqual([
      "neo.conf:1:30: Mqtt.MaxMessageSizeLimit: expected integer, got number 1.5",
    ]);
  });

  test("a CertFile without its KeyFile is reported", () => {
    expect(problemsOf('Http {\n  Tls { CertFile = "c.pem" }\n}')).toEqual([
      "neo.conf:2:9: Http.Tls.CertFile is set but Http.Tls.KeyFile is not; give both or neither",
    ]);
  });

  test("a dotted key through a plain value is reported", () => {
    expect(problemsOf("Data.Dir = 1")).toEqual(['neo.conf:1:1: Data is not a block, so "Data.Dir" does not exist']);
  });

  test("syntax errors and schema errors come together, sorted by position", () => {
    expect(problemsOf('Http {\n  EnableTokenAuth = yes\n  Listn = "1.2.3.4:5"\n}\nMqtt { Tls { Enabled = 1 }')).toEqual(
      [
        'neo.conf:2:21: expected a value, got "yes" (strings need double quotes)',
        'neo.conf:3:3: unknown key "Listn" in Http; did you mean "Listen"?',
        'neo.conf:5:6: missing "}" to close the block opened here',
        "neo.conf:5:24: Mqtt.Tls.Enabled: expected boolean, got number 1",
      ],
    );
  });
});

describe("did-you-mean distance", () => {
  test("a swap of neighbouring letters counts as one edit, and case is ignored", () => {
    expect(editDistance("EnableTokenAuht", "EnableTokenAuth")).toBe(1);
    expect(editDistance("mqtt", "Mqtt")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
  });

  test("closest suggests only names within a third of the length", () => {
    expect(closest("Lisen", ["Listen", "Tls"])).toBe("Listen");
    expect(closest("Port", ["Listen", "Tls"])).toBeUndefined();
  });
});

describe("guard, audit and login-key settings", () => {
  test("durations are strings with a unit and stay in range; each problem names the key", () => {
    const good = check('Guard { MaxFailures = 5, Window = "30s", MaxBan = "1h" }\nAuth.AccessTokenDuration = "15m"');
    expect(good.problems).toEqual([]);
    expect(good.patch.guard).toEqual({ maxFailures: 5, windowMs: 30_000, maxBanMs: 3_600_000 });
    expect(good.patch.login).toEqual({ accessTokenDurationMs: 900_000 });
    expect(problemsOf('Guard { Window = 0, MaxBan = "forever" }\nAudit.MaxEvents = 10')).toEqual([
      "neo.conf:1:18: Guard.Window: number 0 out of range (1s-86400s)",
      'neo.conf:1:30: Guard.MaxBan: expected a duration like "10s", "500ms" or "2m", got string "forever"',
      "neo.conf:2:19: Audit.MaxEvents: 10 out of range (1000-100000000)",
    ]);
  });
});

describe("durations: one grammar", () => {
  test('Storage.Retention takes the spellings Query.Timeout takes ("1h30m", "1m30s")', () => {
    const r = check('Query { Timeout = "1m30s" }\nStorage { Retention = "1h30m" }');
    expect(r.problems).toEqual([]);
    expect(r.patch.storage.retention).toBe("90m");
    expect(r.patch.query?.timeoutMs).toBe(90_000);
  });
});
