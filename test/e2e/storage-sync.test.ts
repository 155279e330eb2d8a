// Storage.Sync: with "full" (the default) every PUBACK for a db/write message leaves only
// after the series store's WAL was fsynced; one fsync covers many messages. Shown with
// strace on the real server and mosquitto_pub; "normal" is the contrast.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, run, startServer, tempDir } from "./harness.ts";
import { requires } from "./requires.ts";

// (the trace and config files live in the temp data dir, removed with it)

const tracer = requires(
  "strace and mosquitto_pub",
  Bun.which("strace") && Bun.which("mosquitto_pub") ? undefined : "not installed",
  "scripts/setup.sh --test installs strace and mosquitto-clients",
);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) cleanup(d);
});

interface Trace {
  /** sequence of events in syscall order */
  events: { kind: "wal-write" | "wal-sync" | "puback" | "http-ok"; line: string; acks?: number }[];
}

// strace -x prints binary buffers as \xNN; a QoS 1 PUBACK is 40 02 <id hi> <id lo>, and
// one send may carry several (the return value / 4 of them)
const PUBACK = /^\d+\s+(?:write|sendto)\(\d+<(?:TCP|socket)[^>]*>, "\\x40\\x02.*\) = (\d+)$/;

function parseTrace(file: string): Trace {
  const events: Trace["events"] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/(?:pwrite64|write)\(\d+<[^>]*series\.db-wal>/.test(line)) events.push({ kind: "wal-write", line });
    else if (/(?:fsync|fdatasync)\(\d+<[^>]*series\.db-wal>/.test(line)) events.push({ kind: "wal-sync", line });
    else if (HTTP_OK.test(fromHex(line))) events.push({ kind: "http-ok", line });
    else {
      const m = PUBACK.exec(line);
      if (m) events.push({ kind: "puback", line, acks: Number(m[1]) / 4 });
    }
  }
  return { events };
}

/** strace -x writes a string holding any non-ASCII byte (a "µs" elapse) wholly as \xNN */
const fromHex = (line: string) =>
  line.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

// the 200 of a POST /db/write (head and body are written in one piece)
const HTTP_OK =
  /^\d+\s+(?:write|sendto|writev|sendmsg)\(\d+<(?:TCP|socket)[^>]*>, .*"HTTP\/1\.1 200 OK.*record\(s\) inserted/s;

const countAcks = (t: Trace) => t.events.reduce((n, e) => n + (e.acks ?? 0), 0);

/** acks whose latest preceding WAL write was not fsynced before the ack went out */
function unsyncedAcks(t: Trace): number {
  let dirty = false;
  let bad = 0;
  for (const e of t.events) {
    if (e.kind === "wal-write") dirty = true;
    else if (e.kind === "wal-sync") dirty = false;
    else if (dirty) bad++;
  }
  return bad;
}

async function tracedRun(sync: "full" | "normal" | undefined, messages: number) {
  const data = tempDir("neo-sync-");
  dirs.push(data);
  const traceFile = join(data, "trace.txt");
  const env: Record<string, string> = {};
  if (sync) {
    const conf = join(data, "neo.conf");
    writeFileSync(conf, `Storage { Sync = "${sync}" }\n`);
    env.NEO_CONFIG = conf;
  }
  const wrap = ["strace", "-f", "-qq", "-x", "-y", "-s", "512", "-o", traceFile];
  wrap.push("-e", "trace=fsync,fdatasync,write,pwrite64,writev,sendto,sendmsg");
  const srv = await startServer([], { data, env, wrap });
  try {
    const lines = Array.from({ length: messages }, (_, i) => `[["sync.s${i % 10}",${1700000000000000000 + i},${i}.5]]`);
    const r = await run(
      ["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-q", "1", "-t", "db/append/SYNCT", "-l"],
      { stdin: `${lines.join("\n")}\n`, timeoutMs: 30000 },
    );
    expect(r.code).toBe(0);
    for (let i = 0; i < 3; i++) {
      const w = await fetch(`${srv.httpUrl}/db/write/SYNCT`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["http.s",${1800000000000000000 + i},1.5]]}}`,
      });
      expect(w.status).toBe(200);
    }
    const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from SYNCT")}`);
    const body = (await q.json()) as { data: { rows: unknown[][] } };
    expect(Number(body.data.rows[0]?.[0])).toBe(messages + 3);
  } finally {
    await srv.stop();
  }
  return parseTrace(traceFile);
}

describe.skipIf(tracer.skip)("Storage.Sync", () => {
  beforeAll(() => tracer.check());
  test('with the default ("full"), every PUBACK and /db/write 200 follows an fsync of the WAL, and one fsync covers many messages', async () => {
    const t = await tracedRun(undefined, 300);
    expect(t.events.filter((e) => e.kind === "http-ok").length).toBe(3);
    const acks = countAcks(t);
    const syncs = t.events.filter((e) => e.kind === "wal-sync").length;
    expect(acks).toBe(300);
    expect(syncs).toBeGreaterThan(0);
    expect(unsyncedAcks(t)).toBe(0);
    // batching: far fewer fsyncs than acknowledged messages
    expect(syncs).toBeLessThan(acks);
  }, 60000);

  test('with Sync = "normal", acks do not wait for an fsync of the WAL', async () => {
    const t = await tracedRun("normal", 50);
    expect(countAcks(t)).toBe(50);
    expect(unsyncedAcks(t)).toBeGreaterThan(0);
  }, 60000);
});
