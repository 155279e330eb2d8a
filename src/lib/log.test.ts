import { afterEach, describe, expect, test } from "bun:test";
import { formatLine, setJournald } from "./log.ts";

afterEach(() => setJournald(false));

describe("log lines", () => {
  test("on a terminal a line is a UTC timestamp, the level, the subsystem and the message", () => {
    setJournald(false);
    const line = formatLine(
      "info",
      "http",
      "HTTP Listen tcp://127.0.0.1:5654",
      new Date(Date.UTC(2026, 10, 23, 6, 30, 0, 123)),
    );
    expect(line).toBe("2026/11/23 06:30:00.123 INFO  http     HTTP Listen tcp://127.0.0.1:5654");
  });

  test("under journald a line starts with its syslog priority and carries no timestamp of its own", () => {
    setJournald(true);
    expect(formatLine("error", "mqtt", "boom")).toBe("<3>ERROR mqtt     boom");
    expect(formatLine("warn", "mqtt", "w")).toStartWith("<4>WARN ");
    expect(formatLine("info", "mqtt", "i")).toStartWith("<6>INFO ");
    expect(formatLine("debug", "mqtt", "d")).toStartWith("<7>DEBUG");
  });

  test("under journald a multi-line message (a stack trace) stays one entry", () => {
    setJournald(true);
    expect(formatLine("error", "app", "failed: Error: x\n    at a (f.ts:1)\n    at b (g.ts:2)")).toBe(
      "<3>ERROR app      failed: Error: x | at a (f.ts:1) | at b (g.ts:2)",
    );
  });
});
