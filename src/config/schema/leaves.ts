// Readers for one value each: booleans, bounded integers, durations, sizes, paths, lists.
// Each returns how to set the value on a patch, or the problem (the key path is added by
// the caller). `type` says in words what the value may be, for the configuration reference.
import { isAbsolute, resolve } from "node:path";
import { rangeProblem } from "../../lib/ip.ts";
import { parseDuration } from "../../lib/duration.ts";
import { scopeProblem } from "../../lib/scopes.ts";
import { parseListen } from "../listen.ts";
import type { ListenConfig } from "../types.ts";
import type { ConfigPatch } from "./patch.ts";
import { got, type LeafSpec } from "./spec.ts";

export const bool = (set: (p: ConfigPatch, b: boolean) => void): LeafSpec => ({
  kind: "leaf",
  type: "boolean",
  read: (v) => (v.kind === "bool" ? (p) => set(p, v.value) : `expected boolean, got ${got(v)}`),
});

export const int = (min: number, max: number, set: (p: ConfigPatch, n: number) => void): LeafSpec => ({
  kind: "leaf",
  type: `integer ${min}-${max}`,
  read: (v) => {
    if (v.kind !== "number" || !Number.isInteger(v.value)) return `expected integer, got ${got(v)}`;
    if (v.value < min || v.value > max) return `${v.text} out of range (${min}-${max})`;
    return (p) => set(p, v.value);
  },
});

/** A duration: "10s", "500ms", "2m", "24h", "30d", "1h30m", or a number of seconds; stored in ms. */
export const duration = (minMs: number, maxMs: number, set: (p: ConfigPatch, ms: number) => void): LeafSpec => ({
  kind: "leaf",
  type: `duration ${minMs / 1000}s-${maxMs / 1000}s ("500ms", "10s", "2m", "1h30m", "30d")`,
  read: (v) => {
    let ms: number;
    if (v.kind === "number") ms = v.value * 1000;
    else if (v.kind === "string") {
      const r = parseDuration(v.value);
      if (!r.ok) return `expected a duration like "10s", "500ms" or "2m", got ${got(v)}`;
      ms = r.ms;
    } else return `expected a duration like "10s", got ${got(v)}`;
    if (!(ms >= minMs && ms <= maxMs)) return `${got(v)} out of range (${minMs / 1000}s-${maxMs / 1000}s)`;
    return (p) => set(p, Math.round(ms));
  },
});

export const oneOf = <T extends string>(values: readonly T[], set: (p: ConfigPatch, x: T) => void): LeafSpec => ({
  kind: "leaf",
  type: `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`,
  read: (v) => {
    const expected = `expected one of ${values.map((x) => JSON.stringify(x)).join(", ")}`;
    if (v.kind !== "string") return `${expected}, got ${got(v)}`;
    const hit = values.find((x) => x === v.value);
    return hit === undefined ? `${expected}, got ${JSON.stringify(v.value)}` : (p) => set(p, hit);
  },
});

/** A non-empty list of distinct values, each one of `values`. */
export const someOf = <T extends string>(values: readonly T[], set: (p: ConfigPatch, xs: T[]) => void): LeafSpec => ({
  kind: "leaf",
  type: `list of ${values.map((x) => JSON.stringify(x)).join(", ")}`,
  read: (v) => {
    const expected = `expected a list of ${values.map((x) => JSON.stringify(x)).join(", ")}`;
    if (v.kind !== "list" || v.items.length === 0) return `${expected}, got ${got(v)}`;
    const out: T[] = [];
    for (const item of v.items) {
      const hit = item.kind === "string" ? values.find((x) => x === item.value) : undefined;
      if (hit === undefined)
        return `${expected}, got ${item.kind === "string" ? JSON.stringify(item.value) : got(item)}`;
      if (!out.includes(hit)) out.push(hit);
    }
    return (p) => set(p, out);
  },
});

/** A file path; relative paths are relative to the config file's directory. */
export const path = (set: (p: ConfigPatch, abs: string) => void): LeafSpec => ({
  kind: "leaf",
  type: "path (relative to the config file's directory)",
  read: (v, ctx) => {
    if (v.kind !== "string") return `expected string, got ${got(v)}`;
    if (v.value.trim() === "") return "expected a path, got an empty string";
    const abs = isAbsolute(v.value) ? v.value : resolve(ctx.baseDir, v.value);
    return (p) => set(p, abs);
  },
});

export const str = (set: (p: ConfigPatch, s: string) => void, allowEmpty = false): LeafSpec => ({
  kind: "leaf",
  type: allowEmpty ? "string" : "string, not empty",
  read: (v) => {
    if (v.kind !== "string") return `expected string, got ${got(v)}`;
    if (!allowEmpty && v.value === "") return "expected a value, got an empty string";
    return (p) => set(p, v.value);
  },
});

export const hostList = (set: (p: ConfigPatch, hosts: string[]) => void): LeafSpec => ({
  kind: "leaf",
  type: 'list of host names, e.g. ["gateway.local"]',
  read: (v) => {
    if (v.kind !== "list") return `expected a list of host names like ["gateway.local"], got ${got(v)}`;
    const out: string[] = [];
    for (const it of v.items) {
      if (it.kind !== "string" || !/^[A-Za-z0-9.:[\]_-]+$/.test(it.value))
        return `expected host names (letters, digits, . - : [ ]), got ${got(it)}`;
      out.push(it.value.toLowerCase());
    }
    return (p) => set(p, out);
  },
});

/** "off" (0) or a duration */
export const offOrDuration = (minMs: number, maxMs: number, set: (p: ConfigPatch, ms: number) => void): LeafSpec => {
  const d = duration(minMs, maxMs, set);
  return {
    kind: "leaf",
    type: `"off" or a ${d.type}`,
    read: (v, ctx) => (v.kind === "string" && v.value === "off" ? (p) => set(p, 0) : d.read(v, ctx)),
  };
};

/** addresses and CIDR ranges: ["10.0.0.0/8", "::1"] */
export const addressList = (set: (p: ConfigPatch, list: string[]) => void): LeafSpec => ({
  kind: "leaf",
  type: 'list of addresses or CIDR ranges, e.g. ["10.0.0.0/8", "::1"]',
  read: (v) => {
    if (v.kind !== "list") return `expected a list of addresses or ranges like ["10.0.0.0/8", "::1"], got ${got(v)}`;
    const out: string[] = [];
    for (const it of v.items) {
      if (it.kind !== "string") return `expected addresses as strings, got ${got(it)}`;
      const bad = rangeProblem(it.value);
      if (bad) return bad;
      out.push(it.value);
    }
    return (p) => set(p, out);
  },
});

/** A topic filter's shape (MQTT 4.7.1): `#` only last and alone in its level, `+` alone in its level. */
function filterProblem(f: string): string | undefined {
  if (f === "") return "empty topic filter";
  if (f.includes("\u0000")) return `topic filter ${JSON.stringify(f)} holds a NUL character`;
  const levels = f.split("/");
  for (const [i, l] of levels.entries()) {
    if (l.includes("#") && (l !== "#" || i !== levels.length - 1))
      return `topic filter ${JSON.stringify(f)}: "#" must be the whole last level`;
    if (l.includes("+") && l !== "+") return `topic filter ${JSON.stringify(f)}: "+" must be a whole level`;
  }
  return undefined;
}
export const filters = (set: (p: ConfigPatch, list: string[]) => void): LeafSpec => ({
  kind: "leaf",
  type: 'list of MQTT topic filters, e.g. ["sensors/#"]',
  read: (v) => {
    if (v.kind !== "list") return `expected a list of topic filters ["a/#", ...], got ${got(v)}`;
    const out: string[] = [];
    for (const item of v.items) {
      if (item.kind !== "string") return `expected topic filters as strings, got ${got(item)}`;
      const bad = filterProblem(item.value);
      if (bad) return bad;
      out.push(item.value);
    }
    return (p) => set(p, out);
  },
});

/** a list of scopes, each checked against the grammar (every bad one is named) */
export const scopeList = (set: (p: ConfigPatch, list: string[]) => void): LeafSpec => ({
  kind: "leaf",
  type: 'list of scopes, e.g. ["topics:publish:devices/%c/#"]',
  read: (v) => {
    if (v.kind !== "list") return `expected a list of scopes ["topics:publish:devices/%c/#", ...], got ${got(v)}`;
    const out: string[] = [];
    const bad: string[] = [];
    for (const item of v.items) {
      if (item.kind !== "string") return `expected scopes as strings, got ${got(item)}`;
      const problem = scopeProblem(item.value);
      if (problem) bad.push(problem);
      else out.push(item.value.trim());
    }
    return bad.length ? bad.join("; ") : (p) => set(p, out);
  },
});

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
};
/** "256MB", "1.5GiB", "1000" or a plain number of bytes */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? "").toUpperCase()];
  if (!m || unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}
export const size = (min: number, set: (p: ConfigPatch, n: number) => void): LeafSpec => ({
  kind: "leaf",
  type: `size in bytes, at least ${min} ("256MB", "1GiB" or a number)`,
  read: (v) => {
    const n = v.kind === "number" ? v.value : v.kind === "string" ? parseSize(v.value) : undefined;
    if (n === undefined || !Number.isInteger(n))
      return `expected a size like "256MB", "1GiB" or a number of bytes, got ${got(v)}`;
    if (n < min) return `${n} bytes is too small (at least ${min})`;
    return (p) => set(p, n);
  },
});

/** A listen address: "host:port", "tcp://host:port" or "[::1]:port" (port 0 picks a free port). */
export const listenAt = (set: (p: ConfigPatch, at: ListenConfig) => void): LeafSpec => ({
  kind: "leaf",
  type: '"host:port", "tcp://host:port" or "[::1]:port" (port 0 picks a free port)',
  read: (v) => {
    if (v.kind !== "string") return `expected string "host:port", got ${got(v)}`;
    const r = parseListen(v.value);
    if (!r.ok) return r.error;
    return (p) => set(p, r.value);
  },
});
