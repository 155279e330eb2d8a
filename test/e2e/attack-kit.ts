// The attack tests' shared setup: one real `neo serve` (token auth on) with an operator user
// `root` (role admin), users made with passwords and their access keys, domains, clients and
// channels made over curl as a SuperMQ user would, and mosquitto_pub with its PUBACK reason.
import { cleanup, neo, run, type Server, startServer } from "./harness.ts";
import { curlAnswer } from "./curl-answer.ts";

type Reply = { status: number; body: Record<string, unknown> };
type Client = { id: string; secret: string };

export interface AttackGateway {
  readonly srv: Server;
  /** `Bearer <access key>` of the operator */
  readonly root: string;
  curl(method: string, path: string, auth?: string, json?: unknown, headers?: string[]): Promise<Reply>;
  /** a user (role user, the scopes given), its `Bearer <access key>` */
  user(name: string, scopes?: string[]): Promise<string>;
  /** a domain made by the operator: its id */
  domain(route: string): Promise<string>;
  /** `neo shell domain member add` */
  member(domain: string, user: string, role: "admin" | "member"): Promise<void>;
  /** a SuperMQ client of the domain */
  client(domain: string, auth?: string): Promise<Client>;
  /** a channel of the domain (its table C_<ID>), connected to the clients given */
  channel(domain: string, id: string, clients: Client[], auth?: string): Promise<void>;
  /** mosquitto_pub -V mqttv5 -q 1: the PUBACK's reason code (0 = accepted) */
  pub(user: string, password: string | undefined, topic: string, message: string): Promise<number>;
  stop(): Promise<void>;
}

export async function openAttackGateway(args: string[] = []): Promise<AttackGateway> {
  const srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true", ...args]);
  const curl = async (method: string, path: string, auth?: string, json?: unknown, headers: string[] = []) => {
    const a = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
    if (auth) a.push("-H", `Authorization: ${auth}`);
    for (const h of headers) a.push("-H", h);
    if (json !== undefined) a.push("-H", "Content-Type: application/json", "--data", JSON.stringify(json));
    const r = await run(a);
    return curlAnswer(r.stdout);
  };
  const addUser = async (name: string, role: "admin" | "user", scopes: string[] = []) => {
    const password = `${name}-password-1`;
    const a = ["shell", "user", "add", name, "--role", role, "--password-stdin", "--data", srv.data];
    const r = await neo([...a, ...scopes.flatMap((s) => ["--scope", s])], {
      stdin: `${password}\n`,
    });
    if (r.code !== 0) throw new Error(r.stderr);
    const t = await curl("POST", "/users/tokens/issue", undefined, { username: name, password });
    return `Bearer ${t.body.access_token as string}`;
  };
  const root = await addUser("root", "admin");
  const must = (r: Reply, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  return {
    srv,
    root,
    curl,
    user: (name, scopes) => addUser(name, "user", scopes),
    async domain(route) {
      return must(await curl("POST", "/domains", root, { name: route, route }), "domain").body.id as string;
    },
    async member(domain, user, role) {
      const r = await neo(["shell", "domain", "member", "add", domain, user, "--role", role, "--data", srv.data]);
      if (r.code !== 0) throw new Error(r.stderr);
    },
    async client(domain, auth = root) {
      const b = must(await curl("POST", `/${domain}/clients`, auth, { name: "dev" }), "client").body;
      return { id: b.id as string, secret: (b.credentials as { secret: string }).secret };
    },
    async channel(domain, id, clients, auth = root) {
      must(await curl("POST", `/${domain}/channels`, auth, { id, name: id }), "channel");
      if (clients.length === 0) return;
      const link = { channel_ids: [id], client_ids: clients.map((c) => c.id) };
      must(await curl("POST", `/${domain}/channels/connect`, auth, link), "connect");
    },
    async pub(user, password, topic, message) {
      const a = ["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-V", "mqttv5", "-q", "1", "-d"];
      a.push("-u", user, ...(password ? ["-P", password] : []), "-t", topic, "-m", message);
      const r = await run(a);
      const rc = /PUBACK \(Mid: \d+, RC:(\d+)\)/.exec(r.stdout)?.[1];
      if (rc === undefined) throw new Error(`no PUBACK: ${r.stdout} ${r.stderr}`);
      return Number(rc);
    },
    async stop() {
      await srv.stop();
      cleanup(srv.data);
    },
  };
}
