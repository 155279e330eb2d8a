import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki, type Pki } from "../pki/index.ts";
import { openRegistry, type IssuedClient, type Registry } from "../registry/index.ts";
import { createAuth, type Auth, type Identity } from "./index.ts";

setLogLevel("error");
afterAll(() => setLogLevel("info"));
const DAY = 86_400_000;

let data: string;
let pki: Pki;
let reg: Registry;
let auth: Auth;
let a: IssuedClient;
let b: IssuedClient;
let anonymous: string[] = ["topics:subscribe:#"];
beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), "neo-identify-"));
  pki = await loadOrCreatePki(data, { hosts: [] });
  reg = openRegistry(data);
  auth = createAuth({ registry: reg, anonymousScopes: () => anonymous });
  const v = () => ({ keyType: "ec" as const, pki, notBefore: new Date(), notAfter: new Date(Date.now() + DAY) });
  a = await reg.create({ id: "sensor-a", scopes: ["topics:publish:devices/%c/#"], ...v() });
  b = await reg.create({ id: "sensor-b", ...v() });
});
afterAll(() => {
  reg.close();
  rmSync(data, { recursive: true, force: true });
});

const cert = (c: IssuedClient) => {
  const x = new X509Certificate(c.certPem);
  return { fingerprint256: x.fingerprint256, cn: x.subject.replace(/^CN=/, "") };
};
const who = (r: Identity) => {
  if (!r.ok) return `refused:${r.kind}`;
  const ref = r.principal.ref;
  return `${ref.kind === "client" ? ref.form : ref.kind}:${r.principal.id}`;
};
const closed = { allowAnonymous: false };
const open = { allowAnonymous: true, anonymousId: "mqtt-cid" };

describe("identify: every credential form names the same principal", () => {
  test("machbase form: the token as username, no password", () => {
    expect(who(auth.identify({ ...closed, username: a.token }))).toBe("token:sensor-a");
    expect(who(auth.identify({ ...closed, username: a.token, password: "" }))).toBe("token:sensor-a");
  });

  test("Mainflux form: username = client id, password = token", () => {
    expect(who(auth.identify({ ...closed, username: "sensor-a", password: a.token }))).toBe("token:sensor-a");
    expect(who(auth.identify({ ...closed, password: a.token }))).toBe("token:sensor-a");
    expect(who(auth.identify({ ...closed, username: "sensor-b", password: a.token }))).toBe("refused:mismatch");
  });

  test("HTTP and WebSocket: a token", () => {
    const r = auth.identify({ ...closed, token: a.token });
    expect(who(r)).toBe("token:sensor-a");
    if (r.ok) expect(r.principal.scopes.map((s) => s.text)).toEqual(["topics:publish:devices/%c/#"]);
    expect(who(auth.identify({ ...closed, token: `${a.token.slice(0, -2)}xx` }))).toBe("refused:guess");
  });

  test("certificate alone, or with the same client's token as password, username or bearer", () => {
    const c = cert(a);
    expect(who(auth.identify({ ...closed, certificate: c }))).toBe("cert:sensor-a");
    expect(who(auth.identify({ ...closed, certificate: c, username: "sensor-a" }))).toBe("cert:sensor-a");
    expect(who(auth.identify({ ...closed, certificate: c, username: "sensor-a", password: a.token }))).toBe(
      "cert:sensor-a",
    );
    expect(who(auth.identify({ ...closed, certificate: c, username: a.token }))).toBe("cert:sensor-a");
    expect(who(auth.identify({ ...closed, certificate: c, token: a.token }))).toBe("cert:sensor-a");
  });

  test("a certificate with another client's token, or a wrong one, is refused, also on an open broker", () => {
    const c = cert(a);
    for (const base of [closed, open]) {
      expect(who(auth.identify({ ...base, certificate: c, password: b.token }))).toBe("refused:mismatch");
      expect(who(auth.identify({ ...base, certificate: c, token: b.token }))).toBe("refused:mismatch");
      expect(who(auth.identify({ ...base, certificate: c, password: "wrong" }))).toBe("refused:guess");
      expect(who(auth.identify({ ...base, certificate: c, username: "sensor-b", password: a.token }))).toBe(
        "refused:mismatch",
      );
    }
  });

  test("nothing presented: anonymous with AnonymousScopes where allowed, refused where not", () => {
    expect(who(auth.identify(closed))).toBe("refused:missing");
    const r = auth.identify(open);
    expect(who(r)).toBe("anonymous:mqtt-cid");
    if (r.ok) expect(r.principal.scopes.map((s) => s.text)).toEqual(["topics:subscribe:#"]);
  });

  test("on an open broker a username that is no token is anonymous, a wrong password is refused", () => {
    expect(who(auth.identify({ ...open, username: "whoever" }))).toBe("anonymous:mqtt-cid");
    expect(who(auth.identify({ ...open, username: "sensor-a", password: "wrong" }))).toBe("refused:guess");
  });

  test("a sent credential is always checked: a wrong token is refused (kind guess) on an open broker too", () => {
    // a token's shape (hex secret), a wrong secret
    const wrong = `${a.token.slice(0, -1)}${a.token.endsWith("0") ? "1" : "0"}`;
    const u = auth.identify({ ...open, username: wrong });
    expect(who(u)).toBe("refused:guess");
    if (!u.ok) expect(u.claimed).toBe("sensor-a");
    expect(who(auth.identify({ ...open, token: wrong }))).toBe("refused:guess");
  });

  test("refusals say what happened as a kind, with the claimed name: expired, revoked", async () => {
    const old = await reg.create({
      id: "old",
      keyType: "ec",
      pki,
      notBefore: new Date(Date.now() - 2 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const r = auth.identify({ ...closed, token: old.token });
    expect(who(r)).toBe("refused:expired");
    if (!r.ok) expect([r.claimed, r.form]).toEqual(["old", "token"]);
    const gone = await reg.create({
      id: "gone",
      ...{ keyType: "ec" as const, pki },
      notBefore: new Date(),
      notAfter: new Date(Date.now() + DAY),
    });
    reg.revoke("gone");
    expect(who(auth.identify({ ...closed, token: gone.token }))).toBe("refused:revoked");
  });

  test("current() follows the credential: rights now, and dead once deleted, revoked, rotated or expired", async () => {
    const k = await reg.create({
      id: "live",
      keyType: "ec",
      pki,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + DAY),
    });
    const r = auth.identify({ ...closed, token: k.token });
    if (!r.ok) throw new Error(r.reason);
    reg.updateScopes("live", () => ["tables:read:NOW"]);
    const now = auth.current(r.principal.ref);
    expect(now.ok && now.principal.scopes.map((s) => s.text)).toEqual(["tables:read:NOW"]);
    await reg.rotate("live", pki);
    const after = auth.current(r.principal.ref);
    expect(after.ok ? "ok" : after.kind).toBe("revoked");
    const anon = auth.current({ kind: "anonymous", id: "x" });
    expect(anon.ok && anon.principal.kind).toBe("anonymous");
  });

  test("scope changes are seen by the next identification", () => {
    reg.updateScopes("sensor-b", () => ["tables:read:TAG"]);
    const r = auth.identify({ ...closed, token: b.token });
    expect(r.ok && r.principal.scopes.map((s) => s.text)).toEqual(["tables:read:TAG"]);
    anonymous = ["topics:publish:#"];
    const n = auth.identify(open);
    expect(n.ok && n.principal.scopes.map((s) => s.text)).toEqual(["topics:publish:#"]);
  });
});

describe("identify: a listener's Credentials (the forms it accepts) are input", () => {
  test("a valid credential of a form the listener does not accept is refused as not_here", () => {
    const tokensOnly = { ...closed, listener: "lan", accept: ["token"] as const };
    expect(who(auth.identify({ ...tokensOnly, username: a.token }))).toBe("token:sensor-a");
    const r = auth.identify({ ...tokensOnly, certificate: cert(a) });
    expect(who(r)).toBe("refused:not_here");
    expect(r.ok ? "" : `${r.form} ${r.reason}`).toBe(
      'certificate certificate refused: listener "lan" does not accept it',
    );
    const certsOnly = { ...closed, accept: ["certificate"] as const };
    expect(who(auth.identify({ ...certsOnly, certificate: cert(a) }))).toBe("cert:sensor-a");
    expect(who(auth.identify({ ...certsOnly, username: a.token }))).toBe("refused:not_here");
  });

  test("an EST enrollment secret is not a form a listener names: the EST routes alone take it", () => {
    const secret = reg.enrollments.create("enrollee-1", [], Date.now() + DAY);
    const certsOnly = { ...closed, enrollments: true, listener: "lan", accept: ["certificate"] as const };
    expect(who(auth.identify({ ...certsOnly, username: "enrollee-1", password: secret }))).toBe(
      "enrollment:enrollee-1",
    );
  });

  test("a wrong credential stays a guess, and nothing presented stays anonymous where allowed", () => {
    const tokensOnly = { accept: ["certificate"] as const };
    expect(who(auth.identify({ ...closed, ...tokensOnly, username: `${a.token}x` }))).toBe("refused:guess");
    expect(who(auth.identify({ ...open, ...tokensOnly }))).toBe("anonymous:mqtt-cid");
  });
});
