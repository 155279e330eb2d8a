import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfig, httpListeners, loadConfig, mqttListeners } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-listeners-conf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "neo.conf");
const load = (text: string) => {
  writeFileSync(file, text);
  return loadConfig({ file, env: {}, cwd: dir });
};

describe("Mqtt listeners", () => {
  test("without Listener blocks, Listen and Tls are the one listener, named by its transport", () => {
    const c = load('Mqtt {\n  Listen = "127.0.0.1:1999"\n  EnableTokenAuth = true\n}\n');
    expect(mqttListeners(c.mqtt)).toEqual([
      {
        name: "tcp",
        transport: "tcp",
        listen: { host: "127.0.0.1", port: 1999 },
        enableTokenAuth: true,
        clientAuth: "none",
        named: false,
      },
    ]);
  });

  test("Listener blocks carry their own rules; unset ones come from the service", () => {
    const c = load(`Mqtt {
  EnableTokenAuth = true
  Tls { ClientAuth = "optional" }
  Listener "local" {
    Address = "tcp://127.0.0.1:1883"
    EnableTokenAuth = false
    AnonymousScopes = ["topics:publish:local/#"]
  }
  Listener "lan" { Address = "tls://0.0.0.0:8883" }
}
`);
    const [local, lan] = mqttListeners(c.mqtt);
    expect(local).toMatchObject({ name: "local", transport: "tcp", enableTokenAuth: false, clientAuth: "none" });
    expect(local?.anonymousScopes).toEqual(["topics:publish:local/#"]);
    expect(lan).toMatchObject({ name: "lan", transport: "tls", enableTokenAuth: true, clientAuth: "optional" });
    expect(lan?.listen).toEqual({ host: "0.0.0.0", port: 8883 });
    // `neo config check` prints them back, and what it prints loads to the same listeners
    const rules = (m: typeof c.mqtt) => mqttListeners(m).map(({ at: _at, ...r }) => r);
    expect(rules(load(formatConfig(c)).mqtt)).toEqual(rules(c.mqtt));
  });

  test("Listeners = [...] is the shorthand: one listener per address, named <transport>-<port>", () => {
    const c = load('Mqtt {\n  Listeners = ["tcp://127.0.0.1:1883", "tls://0.0.0.0:8883"]\n}\n');
    expect(mqttListeners(c.mqtt).map((l) => [l.name, l.transport, l.listen.port])).toEqual([
      ["tcp-1883", "tcp", 1883],
      ["tls-8883", "tls", 8883],
    ]);
  });

  test("ws:// and wss:// listeners serve MQTT over WebSocket with their own rules", () => {
    const c = load(
      'Mqtt {\n  Listener "web" { Address = "ws://127.0.0.1:9001" }\n  Listener "webs" {\n    Address = "wss://[::1]:9443"\n    EnableTokenAuth = true\n  }\n}\n',
    );
    expect(mqttListeners(c.mqtt).map((l) => [l.name, l.transport, l.listen.host, l.listen.port, l.clientAuth])).toEqual(
      [
        ["web", "ws", "127.0.0.1", 9001, "none"],
        ["webs", "wss", "::1", 9443, "none"],
      ],
    );
    expect(formatConfig(c)).toContain('Address = "wss://[::1]:9443"');
  });

  test("Credentials names the forms a listener accepts; an unknown form is refused at its place", () => {
    const c = load(
      'Mqtt {\n  Listener "lan" {\n    Address = "tls://127.0.0.1:8883"\n    Credentials = ["certificate", "token", "certificate"]\n  }\n}\n',
    );
    expect(mqttListeners(c.mqtt)[0]?.credentials).toEqual(["certificate", "token"]);
    expect(formatConfig(c)).toContain('Credentials = ["certificate", "token"]');
    expect(() =>
      load(
        'Mqtt {\n  Listener "lan" {\n    Address = "tcp://127.0.0.1:1883"\n    Credentials = ["password"]\n  }\n}\n',
      ),
    ).toThrow(
      `${file}:4:19: Mqtt.Listener "lan".Credentials: expected a list of "token", "certificate", "pat", "access_key", "session", got "password"`,
    );
  });

  test("errors name the file, line and column of the listener at fault", () => {
    expect(() =>
      load(`Mqtt {
  Listener "a" { Address = "tcp://127.0.0.1:1883" }
  Listener "b" {
    Address = "tcp://127.0.0.1:1883"
  }
  Listener "c" {
    Address = "tcp://127.0.0.1:1884"
    ClientAuth = "require"
  }
  Listener "d" { Address = "quic://127.0.0.1:80" }
  Listener "e" {
    Address = "wss://127.0.0.1:9443"
    ClientAuth = "optional"
  }
  Listener "f" {
    Address = "ws://127.0.0.1:9001"
    ClientAuth = "optional"
  }
}
`),
    ).toThrow(
      [
        `${file}:3:12: Mqtt.Listener "b": 127.0.0.1:1883 is already Mqtt.Listener "a"'s address`,
        `${file}:6:12: Mqtt.Listener "c": ClientAuth needs a tls:// or wss:// Address`,
        `${file}:10:12: Mqtt.Listener "d": no Address (write Address = "tcp://127.0.0.1:1883")`,
        `${file}:10:28: Mqtt.Listener "d".Address: unsupported transport "quic://" (use tcp://, tls://, ws:// or wss://)`,
        `${file}:15:12: Mqtt.Listener "f": ClientAuth needs a tls:// or wss:// Address`,
      ].join("\n"),
    );
  });
});

describe("Http listeners", () => {
  test("without Listener blocks, Listen and Tls are the one listener, named http or https", () => {
    const c = load('Http {\n  Listen = "127.0.0.1:1998"\n  Tls { Enabled = true }\n}\n');
    expect(httpListeners(c.http).map((l) => [l.name, l.transport, l.listen.port, l.clientAuth, l.named])).toEqual([
      ["https", "https", 1998, "none", false],
    ]);
  });

  test("Listener blocks carry their own rules; Listeners = [...] names each <transport>-<port>", () => {
    const c = load(`Http {
  EnableTokenAuth = true
  Listener "local" {
    Address = "http://127.0.0.1:5654"
    EnableTokenAuth = false
    AnonymousScopes = ["tables:read:*"]
  }
  Listener "lan" {
    Address = "https://[::1]:5443"
    ClientAuth = "require"
    Credentials = ["certificate", "pat"]
  }
}
`);
    expect(
      httpListeners(c.http).map((l) => [l.name, l.transport, l.listen.host, l.enableTokenAuth, l.clientAuth]),
    ).toEqual([
      ["local", "http", "127.0.0.1", false, "none"],
      ["lan", "https", "::1", true, "require"],
    ]);
    expect(formatConfig(c)).toContain('Address = "https://[::1]:5443"');
    const short = load('Http {\n  Listeners = ["http://127.0.0.1:5654", "https://0.0.0.0:5443"]\n}\n');
    expect(httpListeners(short.http).map((l) => l.name)).toEqual(["http-5654", "https-5443"]);
  });

  test("errors name the file, line and column of the HTTP listener at fault", () => {
    expect(() =>
      load(`Http {
  Listener "a" { Address = "http://127.0.0.1:5654" }
  Listener "b" {
    Address = "http://127.0.0.1:5655"
    ClientAuth = "optional"
  }
  Listener "c" { Address = "tcp://127.0.0.1:80" }
  Listener "d" { Address = "https://127.0.0.1:1883" }
}
Mqtt {
  Listener "d" { Address = "tcp://127.0.0.1:1883" }
}
`),
    ).toThrow(
      [
        `${file}:3:12: Http.Listener "b": ClientAuth needs a https:// Address`,
        `${file}:7:12: Http.Listener "c": no Address (write Address = "http://127.0.0.1:5654")`,
        `${file}:7:28: Http.Listener "c".Address: unsupported transport "tcp://" (use http:// or https://)`,
        `${file}:8:12: Http.Listener "d": a Mqtt.Listener has this name (the audit trail and metrics name listeners alone: use e.g. "d-http")`,
        `${file}:8:12: Http.Listener "d" and Mqtt.Listener "d" both listen on 127.0.0.1:1883; give them different ports`,
      ].join("\n"),
    );
  });
});
