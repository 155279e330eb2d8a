// SuperMQ groups in a domain: a PAT scoped to group G publishes to channel X in G (curl on
// /m/<domain>/c/<channel> and mosquitto_pub on m/<domain>/c/<channel>) and is refused on
// channel Y outside G (403 / PUBACK 0x87) and in another domain; SuperMQ's channel update,
// tags, enable and disable (a disabled channel refuses publishes); the group API; a client's
// certificate in the clients API.
import { beforeAll, describe, expect, test } from "bun:test";
import { eventually, neo, run } from "./harness.ts";
import { usePatGateway } from "./pats-kit.ts";
import mqtt from "mqtt";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
const { st, curl } = usePatGateway();
beforeAll(() => need.check());
type Body = Record<string, unknown>;
const senml = '[{"n":"t","v":1}]';

const pub = (topic: string, user: string, pass: string) =>
  run([
    ...["mosquitto_pub", "-h", st.srv.mqttHost, "-p", String(st.srv.mqttPort), "-V", "mqttv5", "-q", "1"],
    ...["-u", user, "-P", pass, "-t", topic, "-m", senml, "-d"],
  ]);

describe.skipIf(need.skip)("SuperMQ groups: a scope on a group covers its members", () => {
  test("a PAT scoped to group G publishes to channel X in G, is refused on Y outside G and in another domain; a disabled channel refuses", async () => {
    const A = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Plant", route: "plant" } })).body;
    const B = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Far", route: "far" } })).body;
    const made = await curl("POST", `/${A.id}/groups`, {
      bearer: st.access,
      json: { name: "line 1", description: "first line", tags: ["l1"], metadata: { floor: 2 } },
    });
    expect(made.status).toBe(201);
    const G = made.body.id as string;
    expect(made.body).toMatchObject({ name: "line 1", domain_id: A.id, status: "enabled", tags: ["l1"] });
    const channel = async (d: unknown, id: string) =>
      (await curl("POST", `/${d}/channels`, { bearer: st.access, json: { id, name: id } })).status;
    expect(await channel(A.id, "x1")).toBe(201);
    expect(await channel(A.id, "y1")).toBe(201);
    expect(await channel(B.id, "z1")).toBe(201);
    const join = (d: unknown, ch: string) =>
      curl("POST", `/${d}/channels/${ch}/parent`, { bearer: st.access, json: { parent_group_id: G } });
    expect((await join(A.id, "x1")).status).toBe(204);
    expect((await join(B.id, "z1")).status).toBe(404); // groups never cross domains
    expect((await curl("GET", `/${A.id}/channels/x1`, { bearer: st.access })).body.parent_group_id).toBe(G);
    expect((await curl("GET", `/${A.id}/channels/y1`, { bearer: st.access })).body.parent_group_id).toBeUndefined();
    expect((await curl("GET", `/${A.id}/groups/${G}/members`, { bearer: st.access })).body).toMatchObject({
      channels: ["x1"],
      clients: [],
    });

    const pat = (await curl("POST", "/pats", { bearer: st.access, json: { name: "line", duration: "24h" } })).body;
    const scope = { optional_domain_id: A.id, entity_type: "channels", operation: "publish", entity_id: G };
    expect(
      (await curl("PATCH", `/pats/${pat.id}/scope/add`, { bearer: st.access, json: { scopes: [scope] } })).status,
    ).toBe(200);
    const secret = pat.secret as string;
    const post = (path: string) => curl("POST", path, { bearer: secret, raw: senml });
    expect((await post("/m/plant/c/x1")).status).toBe(202);
    expect((await post("/m/plant/c/y1")).status).toBe(403);
    expect((await post("/m/far/c/z1")).status).toBe(403);
    expect((await pub("m/plant/c/x1", "alice", secret)).stdout).not.toContain("RC:135");
    expect((await pub("m/plant/c/y1", "alice", secret)).stdout).toContain("RC:135");
    expect((await pub("m/far/c/z1", "alice", secret)).stdout).toContain("RC:135");

    // SuperMQ's channel update, tags, disable (publishes refused within a second), enable
    const upd = await curl("PATCH", `/${A.id}/channels/x1`, {
      bearer: st.access,
      json: { name: "X", metadata: { u: 1 } },
    });
    expect(upd.body).toMatchObject({ name: "X", metadata: { u: 1 }, status: "enabled" });
    expect(
      (await curl("PATCH", `/${A.id}/channels/x1/tags`, { bearer: st.access, json: { tags: ["t"] } })).body.tags,
    ).toEqual(["t"]);
    const off = await curl("POST", `/${A.id}/channels/x1/disable`, { bearer: st.access });
    expect(off.body.status).toBe("disabled");
    await eventually(async () => (await post("/m/plant/c/x1")).status === 403);
    await eventually(async () => (await pub("m/plant/c/x1", "alice", secret)).stdout.includes("RC:135"));
    expect((await curl("POST", `/${A.id}/channels/x1/enable`, { bearer: st.access })).body.status).toBe("enabled");
    await eventually(async () => (await post("/m/plant/c/x1")).status === 202);

    // a live session (MQTT.js, QoS 1): the disable reaches it within a second (PUBACK 0x87)
    const live = await mqtt.connectAsync(`mqtt://${st.srv.mqttHost}:${st.srv.mqttPort}`, {
      username: "alice",
      password: secret,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const livePub = () =>
      live.publishAsync("m/plant/c/x1", senml, { qos: 1 }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    try {
      await eventually(async () => (await livePub()) === 0); // the enable above: live rights follow within a second
      await curl("POST", `/${A.id}/channels/x1/disable`, { bearer: st.access });
      await eventually(async () => (await livePub()) === 0x87);
      await curl("POST", `/${A.id}/channels/x1/enable`, { bearer: st.access });
      await eventually(async () => (await livePub()) === 0);
      await curl("DELETE", `/${A.id}/channels/x1/parent`, { bearer: st.access });
      await eventually(async () => (await livePub()) === 0x87);
      await curl("POST", `/${A.id}/channels/x1/parent`, { bearer: st.access, json: { parent_group_id: G } });
      await eventually(async () => (await livePub()) === 0);
    } finally {
      await live.endAsync();
    }

    // leaving the group (or the group disabled) ends the PAT's right on x1
    expect((await curl("POST", `/${A.id}/groups/${G}/disable`, { bearer: st.access })).body.status).toBe("disabled");
    await eventually(async () => (await post("/m/plant/c/x1")).status === 403);
    expect((await curl("POST", `/${A.id}/groups/${G}/enable`, { bearer: st.access })).body.status).toBe("enabled");
    await eventually(async () => (await post("/m/plant/c/x1")).status === 202);
    expect((await curl("DELETE", `/${A.id}/channels/x1/parent`, { bearer: st.access })).status).toBe(204);
    await eventually(async () => (await post("/m/plant/c/x1")).status === 403);
  });

  test("neo shell group (another process) adds and removes a member; the running server's rights follow within a second", async () => {
    const A = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Shop", route: "shop" } })).body;
    expect((await curl("POST", `/${A.id}/channels`, { bearer: st.access, json: { id: "w1" } })).status).toBe(201);
    const made = await neo(["shell", "group", "create", "shop", "welders", "--tags", "w", "--data", st.srv.data]);
    expect(made.code).toBe(0);
    const G = made.stdout.trim().split(" ").pop() as string;
    const pat = (await curl("POST", "/pats", { bearer: st.access, json: { name: "shop", duration: "24h" } })).body;
    const scope = { optional_domain_id: A.id, entity_type: "channels", operation: "publish", entity_id: G };
    await curl("PATCH", `/pats/${pat.id}/scope/add`, { bearer: st.access, json: { scopes: [scope] } });
    const post = () => curl("POST", "/m/shop/c/w1", { bearer: pat.secret as string, raw: senml });
    expect((await post()).status).toBe(403);
    expect((await neo(["shell", "group", "add", G, "--channel", "w1", "--data", st.srv.data])).code).toBe(0);
    await eventually(async () => (await post()).status === 202);
    const bad = await neo(["shell", "group", "add", G, "--channel", "nowhere", "--data", st.srv.data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no channel "nowhere"');
    expect((await neo(["shell", "group", "remove", G, "--channel", "w1", "--data", st.srv.data])).code).toBe(0);
    await eventually(async () => (await post()).status === 403);
  });

  test("the group API: list, view, update, parent and children, delete; the PAT's group scopes decide", async () => {
    const A = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Yard", route: "yard" } })).body;
    const mk = async (name: string, extra: Body = {}) =>
      (await curl("POST", `/${A.id}/groups`, { bearer: st.access, json: { name, ...extra } })).body.id as string;
    const top = await mk("site");
    const child = await mk("hall", { parent_id: top });
    const list = await curl("GET", `/${A.id}/groups`, { bearer: st.access });
    expect(list.body).toMatchObject({ total: 2, offset: 0 });
    expect((await curl("GET", `/${A.id}/groups/${child}`, { bearer: st.access })).body.parent_id).toBe(top);
    const put = await curl("PUT", `/${A.id}/groups/${child}`, { bearer: st.access, json: { name: "hall 2" } });
    expect(put.body).toMatchObject({ name: "hall 2", parent_id: top });
    expect(
      (await curl("POST", `/${A.id}/groups/${top}/parent`, { bearer: st.access, json: { parent_id: child } })).status,
    ).toBe(409);
    expect((await curl("DELETE", `/${A.id}/groups/${child}/parent`, { bearer: st.access })).status).toBe(204);
    const kids = { children_ids: [child] };
    expect((await curl("POST", `/${A.id}/groups/${top}/children`, { bearer: st.access, json: kids })).status).toBe(204);
    const listed = (q: string) => curl("GET", `/${A.id}/groups${q}`, { bearer: st.access });
    expect(((await listed(`/${top}/children`)).body.groups as Body[]).map((g) => g.id)).toEqual([child]);
    expect((await listed("?name=HALL")).body).toMatchObject({ total: 1, groups: [{ id: child }] });
    expect((await listed("?status=disabled")).body.total).toBe(0);
    // a PAT that may read the top group reads its subgroup too, and nothing else
    const pat = (await curl("POST", "/pats", { bearer: st.access, json: { name: "reader", duration: "24h" } })).body;
    const scope = { optional_domain_id: A.id, entity_type: "groups", operation: "read", entity_id: top };
    await curl("PATCH", `/pats/${pat.id}/scope/add`, { bearer: st.access, json: { scopes: [scope] } });
    const other = await mk("other");
    const read = (id: string) => curl("GET", `/${A.id}/groups/${id}`, { bearer: pat.secret as string });
    expect((await read(child)).status).toBe(200);
    expect((await read(other)).status).toBe(403);
    expect((await curl("DELETE", `/${A.id}/groups/${top}`, { bearer: pat.secret as string })).status).toBe(403);
    expect((await curl("DELETE", `/${A.id}/groups/${top}`, { bearer: st.access })).status).toBe(204);
    expect((await curl("GET", `/${A.id}/groups/${top}`, { bearer: st.access })).status).toBe(404);
    expect((await curl("GET", `/${A.id}/groups/${child}`, { bearer: st.access })).body.parent_id).toBeUndefined();
  });

  test("a clients scope naming a group reads its member clients only; bad input is 400, unknown 404, a second group 409", async () => {
    const A = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Farm", route: "farm" } })).body;
    const B = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Barn", route: "barn" } })).body;
    const group = async (d: unknown, name: string) =>
      (await curl("POST", `/${d}/groups`, { bearer: st.access, json: { name } })).body.id as string;
    const G = await group(A.id, "sensors");
    const H = await group(A.id, "others");
    const far = await group(B.id, "far");
    const client = async (d: unknown) =>
      (await curl("POST", `/${d}/clients`, { bearer: st.access, json: { name: "dev" } })).body.id as string;
    const [inG, outside, ofB] = [await client(A.id), await client(A.id), await client(B.id)];
    const join = (d: unknown, id: string, g: string) =>
      curl("POST", `/${d}/clients/${id}/parent`, { bearer: st.access, json: { parent_group_id: g } });
    expect((await join(A.id, inG, G)).status).toBe(204);
    expect((await join(A.id, inG, H)).status).toBe(409); // one group at a time (SuperMQ's parent_group_id)
    expect((await join(A.id, outside, far)).status).toBe(404); // B's group is not found in A
    expect((await join(B.id, inG, far)).status).toBe(404); // nor A's client in B
    expect((await curl("GET", `/${A.id}/clients/${inG}`, { bearer: st.access })).body.parent_group_id).toBe(G);

    const pat = (await curl("POST", "/pats", { bearer: st.access, json: { name: "farm", duration: "24h" } })).body;
    const scope = { optional_domain_id: A.id, entity_type: "clients", operation: "read", entity_id: G };
    await curl("PATCH", `/pats/${pat.id}/scope/add`, { bearer: st.access, json: { scopes: [scope] } });
    const read = (d: unknown, id: string) => curl("GET", `/${d}/clients/${id}`, { bearer: pat.secret as string });
    expect((await read(A.id, inG)).status).toBe(200);
    expect((await read(A.id, outside)).status).toBe(403);
    expect((await read(B.id, ofB)).status).toBe(403);
    const listed = await curl("GET", `/${A.id}/clients`, { bearer: pat.secret as string });
    expect((listed.body.clients as { id: string }[]).map((c) => c.id)).toEqual([inG]);

    const post = (json: unknown) => curl("POST", `/${A.id}/groups`, { bearer: st.access, json });
    expect((await post({})).status).toBe(400);
    expect((await post({ name: "x", status: "paused" })).status).toBe(400);
    expect((await post({ name: "x", tags: "a" })).status).toBe(400);
    expect((await post({ name: "x", parent_id: far })).status).toBe(404);
    expect((await curl("POST", `/${A.id}/groups`, { bearer: st.access, raw: "name=x" })).status).toBe(400);
    expect((await curl("GET", `/${A.id}/groups/${far}`, { bearer: st.access })).status).toBe(404);
    expect((await curl("GET", `/nowhere/groups`, { bearer: st.access })).status).toBe(404);
    const kids = { children_ids: [H] };
    expect((await curl("DELETE", `/${A.id}/groups/${G}/children`, { bearer: st.access, json: kids })).status).toBe(400);
  });

  test("a client made in a domain answers its certificate (PEM and key, once); a new one on request", async () => {
    const A = (await curl("POST", "/domains", { bearer: st.access, json: { name: "Dock", route: "dock" } })).body;
    const made = await curl("POST", `/${A.id}/clients`, { bearer: st.access, json: { name: "dev" } });
    expect(made.status).toBe(201);
    const cert = made.body.certificate as Body;
    expect(cert.certificate as string).toStartWith("-----BEGIN CERTIFICATE-----");
    expect(cert.key as string).toContain("PRIVATE KEY");
    const id = made.body.id as string;
    const view = (await curl("GET", `/${A.id}/clients/${id}`, { bearer: st.access })).body.certificate as Body;
    expect(view).toEqual({ serial_number: cert.serial_number, expiry_time: cert.expiry_time, entity_id: id });
    const again = await curl("POST", `/${A.id}/clients/${id}/certificate`, { bearer: st.access });
    expect(again.status).toBe(201);
    expect(again.body.serial_number).not.toBe(cert.serial_number);
    expect((await curl("GET", `/${A.id}/clients/${id}`, { bearer: st.access })).body.certificate).toMatchObject({
      serial_number: again.body.serial_number,
    });
  });
});
