import { describe, expect, test } from "bun:test";
import { createSettings, live } from "./settings.ts";

describe("settings", () => {
  test("a change is announced once with the new and the previous value; get() and the view see it", () => {
    const s = createSettings({ http: { tokenAuth: false }, level: "info" });
    const seen: [boolean, boolean][] = [];
    s.onChange((next, prev) => seen.push([next.http.tokenAuth, prev.http.tokenAuth]));
    const view = s.view;
    s.set({ http: { tokenAuth: true }, level: "info" });
    expect(seen).toEqual([[true, false]]);
    expect(s.get().http.tokenAuth).toBe(true);
    expect(view.http.tokenAuth).toBe(true);
    expect(JSON.parse(JSON.stringify(view))).toEqual({ http: { tokenAuth: true }, level: "info" });
  });

  test("nobody can change the settings in place: values and the view are read-only", () => {
    const initial = { http: { tokenAuth: false } };
    const s = createSettings(initial);
    expect(() => {
      (s.get().http as { tokenAuth: boolean }).tokenAuth = true;
    }).toThrow();
    expect(() => {
      (s.view as { http: unknown }).http = {};
    }).toThrow();
    initial.http.tokenAuth = true; // the caller's own object is a copy's source, not the settings
    expect(s.get().http.tokenAuth).toBe(false);
  });

  test("an unsubscribed listener hears nothing; live() follows a nested part", () => {
    const s = createSettings({ mqtt: { port: 1 } });
    const mqtt = live(() => s.get().mqtt);
    let calls = 0;
    const off = s.onChange(() => calls++);
    off();
    s.set({ mqtt: { port: 2 } });
    expect(calls).toBe(0);
    expect(mqtt.port).toBe(2);
  });
});
