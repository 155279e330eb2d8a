// What the PAT tests share: a token-auth gateway with user alice (admin) and channel
// `plant`, alice's access token, and curl with SuperMQ's JSON bodies.
import { afterAll, beforeAll } from "bun:test";
import { cleanup, neo, run, type Server, startServer } from "./harness.ts";
import { curlAnswer } from "./curl-answer.ts";

const password = "alice-password-1";

type CurlOpts = { bearer?: string; json?: unknown; raw?: string };

/** Starts the gateway for the file; `st` is filled before the file's own beforeAll runs. */
export function usePatGateway() {
  const st = { srv: undefined as unknown as Server, access: "" };
  const curl = async (method: string, path: string, opts: CurlOpts = {}) => {
    const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${st.srv.httpUrl}${path}`];
    if (opts.bearer) args.push("-H", `Authorization: Bearer ${opts.bearer}`);
    if (opts.json !== undefined || opts.raw !== undefined)
      args.push("-H", "Content-Type: application/json", "--data", opts.raw ?? JSON.stringify(opts.json));
    const r = await run(args);
    return curlAnswer(r.stdout);
  };
  beforeAll(async () => {
    st.srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    const data = st.srv.data;
    const add = await neo(["shell", "user", "add", "alice", "--role", "admin", "--password-stdin", "--data", data], {
      stdin: `${password}\n`,
    });
    if (add.code !== 0) throw new Error(add.stderr);
    const ch = await neo(["shell", "channel", "create", "plant", "--data", data]);
    if (ch.code !== 0) throw new Error(ch.stderr);
    st.access = (await curl("POST", "/users/tokens/issue", { json: { username: "alice", password } })).body
      .access_token as string;
  });
  afterAll(async () => {
    await st.srv?.stop();
    if (st.srv) cleanup(st.srv.data);
  });
  return { st, curl };
}
