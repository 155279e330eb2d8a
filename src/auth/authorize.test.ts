import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { authorize, makePrincipal, type Principal } from "./authorize.ts";
import { covers, intersect, overlaps } from "./filters.ts";

// Reference: the obvious definitions. A filter matches a topic level by level; first-level
// wildcards never match `$` topics; a deny that matches wins; an allow must match.
function refMatch(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  if (t[0]!.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  const go = (i: number): boolean => {
    if (f[i] === "#") return true;
    if (i === f.length) return i === t.length;
    if (i === t.length) return false;
    return (f[i] === "+" || f[i] === t[i]) && go(i + 1);
  };
  return go(0);
}

const LEVELS = ["a", "b", "$SYS", "", "z"]; // z never appears in filters: a "fresh" level
const UNIVERSE: string[] = [];
for (let n = 1; n <= 4; n++) {
  const build = (prefix: string[]): void => {
    if (prefix.length === n) UNIVERSE.push(prefix.join("/"));
    else for (const l of LEVELS) build([...prefix, l]);
  };
  build([]);
}

type Op = "topics:publish" | "topics:subscribe";
function refTopic(scopes: string[], id: string, op: Op, topic: string): boolean {
  if (op === "topics:publish" && topic.split("/")[0] === "$SYS") return false;
  const usable = (s: string) => {
    const target = s.slice(s.indexOf(op) + op.length + 1);
    if (!s.replace(/^!/, "").startsWith(op)) return null;
    if (target.includes("%c") && /[/+#]/.test(id)) return null;
    return target.replaceAll("%c", id);
  };
  const hits = (deny: boolean) =>
    scopes.some((s) => s.startsWith("!") === deny && usable(s) !== null && refMatch(usable(s)!, topic));
  return !hits(true) && hits(false);
}

const levelArb = fc.constantFrom("a", "b", "$SYS", "", "+", "%c");
const filterArb = fc
  .tuple(fc.array(levelArb, { minLength: 0, maxLength: 3 }), fc.boolean())
  .map(([ls, hash]) => [...ls, ...(hash ? ["#"] : [])].join("/"))
  .filter((f) => f.length > 0);
const plainFilterArb = filterArb.filter((f) => !f.includes("%c"));
const opArb = fc.constantFrom<Op>("topics:publish", "topics:subscribe");
const scopeArb = fc.tuple(fc.boolean(), opArb, filterArb).map(([deny, op, f]) => `${deny ? "!" : ""}${op}:${f}`);
const idArb = fc.constantFrom("a", "b", "x/y", "q+");

describe("topic filters as sets", () => {
  test("covers(outer, inner) holds exactly when every topic of inner is a topic of outer", () => {
    fc.assert(
      fc.property(plainFilterArb, plainFilterArb, (o, i) => {
        const inner = UNIVERSE.filter((t) => refMatch(i, t));
        const brute = inner.every((t) => refMatch(o, t));
        expect(covers(o.split("/"), i.split("/"))).toBe(brute);
      }),
      { numRuns: 500 },
    );
  });

  test("overlaps(a, b) holds exactly when some topic matches both", () => {
    fc.assert(
      fc.property(plainFilterArb, plainFilterArb, (a, b) => {
        const brute = UNIVERSE.some((t) => refMatch(a, t) && refMatch(b, t));
        expect(overlaps(a.split("/"), b.split("/"))).toBe(brute);
      }),
      { numRuns: 500 },
    );
  });
});

describe("authorize on topics", () => {
  const principal = (id: string, scopes: string[]): Principal => makePrincipal(id, "client", scopes);

  test("a topic name is allowed exactly when the reference says so (deny wins, %c is the own id)", () => {
    fc.assert(
      fc.property(fc.array(scopeArb, { maxLength: 6 }), idArb, opArb, fc.constantFrom(...UNIVERSE), (s, id, op, t) => {
        const d = authorize(principal(id, s), op, t);
        expect(d.allow).toBe(refTopic(s, id, op, t));
        if (d.allow) expect(d.partial).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  test("a filter is refused only when none of its topics is allowed, and fully allowed only when all are", () => {
    fc.assert(
      fc.property(fc.array(scopeArb, { maxLength: 6 }), idArb, plainFilterArb, (s, id, f) => {
        const d = authorize(principal(id, s), "topics:subscribe", f);
        const topics = UNIVERSE.filter((t) => refMatch(f, t));
        const allowed = topics.filter((t) => refTopic(s, id, "topics:subscribe", t));
        if (!d.allow) expect(allowed.length).toBe(0);
        else if (!d.partial) expect(allowed.length).toBe(topics.length);
        if (allowed.length > 0) expect(d.allow).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test("with one allow and at most one deny the filter decision is exact", () => {
    fc.assert(
      fc.property(plainFilterArb, fc.option(plainFilterArb), plainFilterArb, (allow, deny, f) => {
        const s = [`topics:subscribe:${allow}`, ...(deny ? [`!topics:subscribe:${deny}`] : [])];
        const d = authorize(principal("a", s), "topics:subscribe", f);
        const topics = UNIVERSE.filter((t) => refMatch(f, t));
        const allowed = topics.filter((t) => refTopic(s, "a", "topics:subscribe", t));
        const want = allowed.length === 0 ? "none" : allowed.length === topics.length ? "all" : "some";
        const got = !d.allow ? "none" : d.partial ? "some" : "all";
        // a deny covering part of the filter leaves "some" even when the rest is all allowed
        expect(got).toBe(want);
      }),
      { numRuns: 1000 },
    );
  });

  test("# never covers $SYS: reading broker statistics needs its own scope", () => {
    const p = principal("s1", ["topics:subscribe:#"]);
    expect(authorize(p, "topics:subscribe", "$SYS/broker/uptime").allow).toBe(false);
    expect(authorize(p, "topics:subscribe", "#")).toEqual({ allow: true, partial: false });
    const q = principal("s1", ["topics:subscribe:#", "topics:subscribe:$SYS/#"]);
    expect(authorize(q, "topics:subscribe", "$SYS/broker/uptime").allow).toBe(true);
  });

  test("nobody publishes into $SYS, whatever the scopes", () => {
    const p = principal("s1", ["topics:publish:$SYS/#", "topics:publish:#"]);
    expect(authorize(p, "topics:publish", "$SYS/broker/uptime").allow).toBe(false);
  });

  test("subscribing to # with devices/%c/# is accepted in part; another device's topic is refused", () => {
    const p = principal("sensor-1", ["topics:subscribe:devices/%c/#"]);
    expect(authorize(p, "topics:subscribe", "#")).toEqual({ allow: true, partial: true });
    expect(authorize(p, "topics:subscribe", "devices/sensor-1/temp")).toEqual({ allow: true, partial: false });
    expect(authorize(p, "topics:subscribe", "devices/sensor-2/temp")).toMatchObject({
      allow: false,
      reason: "not allowed to subscribe to devices/sensor-2/temp",
    });
  });

  test("a deny names the scope that decided", () => {
    const p = principal("s1", ["topics:subscribe:#", "!topics:subscribe:test/nosubscribe"]);
    expect(authorize(p, "topics:subscribe", "test/nosubscribe")).toMatchObject({
      allow: false,
      scope: "!topics:subscribe:test/nosubscribe",
    });
  });
});

describe("authorize on tables, keys, clients, channels, metrics", () => {
  test("tables match case-insensitively and * means every table", () => {
    const p = makePrincipal("s1", "client", ["tables:write:tag", "tables:read:*", "!tables:read:secret"]);
    expect(authorize(p, "tables:write", "TAG").allow).toBe(true);
    expect(authorize(p, "tables:write", "other")).toEqual({ allow: false, reason: "not allowed to write table other" });
    expect(authorize(p, "tables:read", "anything").allow).toBe(true);
    expect(authorize(p, "tables:read", "Secret").allow).toBe(false);
  });

  test("a channel's SenML table T_SENML is read under T's scope or its own, and a deny of either wins", () => {
    const p = makePrincipal("s1", "client", ["tables:read:room", "tables:read:hall_senml", "!tables:read:lab"]);
    expect(authorize(p, "tables:read", "ROOM_SENML").allow).toBe(true);
    expect(authorize(p, "tables:read", "HALL_SENML").allow).toBe(true);
    expect(authorize(p, "tables:read", "HALL").allow).toBe(false);
    expect(authorize(p, "tables:read", "OTHER_SENML")).toEqual({
      allow: false,
      reason: "not allowed to read table OTHER_SENML",
    });
    expect(authorize(p, "tables:write", "ROOM_SENML").allow).toBe(false);
    const q = makePrincipal("s1", "client", ["tables:read:*", "!tables:read:lab", "!tables:read:room_senml"]);
    expect(authorize(q, "tables:read", "LAB_SENML")).toMatchObject({
      allow: false,
      reason: "not allowed to read table LAB_SENML (the SenML table of LAB)",
    });
    expect(authorize(q, "tables:read", "ROOM_SENML").allow).toBe(false);
    expect(authorize(q, "tables:read", "ROOM").allow).toBe(true);
  });

  test("clients:connect globs bind MQTT client ids to a key", () => {
    const glob = (pattern: string, s: string) =>
      new RegExp(
        `^${pattern
          .split("*")
          .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
        "s",
      ).test(s);
    fc.assert(
      fc.property(
        fc.constantFrom("*", "%c", "%c-*", "dev-*-x", "a.b*"),
        fc.constantFrom("k1", "a.b", "x*y"),
        fc.constantFrom("k1", "k1-2", "dev-1-x", "a.bc", "axb", "x*y", "x*y-z", ""),
        (pattern, id, cid) => {
          const p = makePrincipal(id, "client", [`clients:connect:${pattern}`]);
          // reference: fill %c with the id treated as a literal, then glob
          const parts = pattern.split("%c");
          const want = parts.length === 1 ? glob(pattern, cid) : refGlobWithId(parts, id, cid, glob);
          expect(authorize(p, "clients:connect", cid).allow).toBe(want);
        },
      ),
    );
  });

  test("keys, channels and metrics match their id, * or %c", () => {
    const p = makePrincipal("s1", "client", ["keys:rotate:%c", "channels:publish:ch1", "metrics:read:*"]);
    expect(authorize(p, "keys:rotate", "s1").allow).toBe(true);
    expect(authorize(p, "keys:rotate", "s2")).toEqual({ allow: false, reason: "not allowed to rotate key s2" });
    expect(authorize(p, "keys:delete", "s1").allow).toBe(false);
    expect(authorize(p, "channels:publish", "ch1").allow).toBe(true);
    expect(authorize(p, "channels:subscribe", "ch1").allow).toBe(false);
    expect(authorize(p, "metrics:read", "*").allow).toBe(true);
  });

  test("channel management is decided per operation and channel id, a deny winning over *", () => {
    const p = makePrincipal("ops", "client", ["channels:connect:*", "!channels:connect:plant", "channels:list:plant"]);
    expect(authorize(p, "channels:connect", "line-1").allow).toBe(true);
    expect(authorize(p, "channels:connect", "plant")).toMatchObject({
      allow: false,
      reason: "not allowed to connect clients to channel plant",
      scope: "!channels:connect:plant",
    });
    expect(authorize(p, "channels:list", "plant").allow).toBe(true);
    expect(authorize(p, "channels:list", "other")).toMatchObject({
      allow: false,
      reason: "not allowed to list channel other",
    });
    expect(authorize(p, "channels:create", "*")).toMatchObject({
      allow: false,
      reason: "not allowed to create channels",
    });
    expect(authorize(p, "channels:disconnect", "line-1").allow).toBe(false);
    // managing a channel is not using it
    expect(authorize(p, "channels:publish", "line-1").allow).toBe(false);
  });

  test("no scopes means nothing is allowed", () => {
    const p = makePrincipal("s1", "client", []);
    expect(authorize(p, "tables:read", "TAG").allow).toBe(false);
    expect(authorize(p, "topics:subscribe", "#").allow).toBe(false);
  });
});

// %c is a literal id; split the candidate id-wise by trying every place the literal can sit
function refGlobWithId(parts: string[], id: string, cid: string, glob: (p: string, s: string) => boolean): boolean {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = parts.map((x) => x.split("*").map(esc).join(".*")).join(esc(id));
  void glob;
  return new RegExp(`^${re}$`, "s").test(cid);
}

describe("filter intersection", () => {
  test("intersect(a, b) matches exactly the topics both match", () => {
    fc.assert(
      fc.property(plainFilterArb, plainFilterArb, (a, b) => {
        const i = intersect(a.split("/"), b.split("/"));
        for (const t of UNIVERSE) expect(i !== null && refMatch(i.join("/"), t)).toBe(refMatch(a, t) && refMatch(b, t));
      }),
      { numRuns: 500 },
    );
  });
});

describe("clients:connect default", () => {
  test("a key with no clients:connect scope may use any client id, but a deny still narrows it", () => {
    expect(authorize(makePrincipal("k", "client", ["tables:read:*"]), "clients:connect", "anything").allow).toBe(true);
    const p = makePrincipal("k", "client", ["!clients:connect:admin-*"]);
    expect(authorize(p, "clients:connect", "admin-1").allow).toBe(false);
    expect(authorize(p, "clients:connect", "k").allow).toBe(true);
    expect(authorize(makePrincipal("k", "client", ["clients:connect:%c"]), "clients:connect", "j").allow).toBe(false);
  });
});

describe("compiled rules shared between principals", () => {
  test("principals sharing one scope list each match %c against their own id", () => {
    const scopes = makePrincipal("x", "client", ["topics:publish:dev/%c/#", "clients:connect:%c-*"]).scopes;
    const a: Principal = { id: "a", kind: "client", scopes };
    const b: Principal = { id: "b", kind: "client", scopes };
    for (let i = 0; i < 2; i++) {
      expect(authorize(a, "topics:publish", "dev/a/t").allow).toBe(true);
      expect(authorize(a, "topics:publish", "dev/b/t").allow).toBe(false);
      expect(authorize(b, "topics:publish", "dev/b/t").allow).toBe(true);
      expect(authorize({ ...b }, "topics:publish", "dev/a/t").allow).toBe(false);
      expect(authorize(a, "clients:connect", "a-1").allow).toBe(true);
      expect(authorize(b, "clients:connect", "a-1").allow).toBe(false);
    }
  });
});
