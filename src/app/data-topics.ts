// machbase-neo compatible data topics on the broker:
//   db/write/<table>[:json|csv|ndjson[:gzip]], db/append/<table>  -> rows committed to SQLite
//   db/query  {"q":..., "format":"json", "timeformat":"ns", "reply":"<topic>"} -> answer on reply topic
// The PUBACK/PUBREC waits for the commit (the broker awaits onPublish).
import { type InboundPublish, type PublishOutcome, RC } from "../mqtt/index.ts";
import type { NeoClient } from "./mqtt-auth.ts";
import { BIG_BODY, parseInSlices, parsePayload } from "../ingest/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import { isNeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { LogAggregator } from "../lib/log-aggregate.ts";
import type { WriteBatcher } from "./write-batcher.ts";
import { elapseSince } from "../lib/http/elapse.ts";
import { parseCompress, parseOutputOptions, refusalBody, type QueryService } from "../query/index.ts";

const FORMATS = new Set(["json", "csv", "ndjson"]);

export interface DataTopicDeps {
  store: SeriesStore;
  /** where db/query runs: the same service as HTTP /db/query */
  queries: QueryService;
  /** scopes: may this client read every table the statement reads? (undefined = yes) */
  readCheck?: (client: NeoClient, sql: string) => { status: number; reason: string } | undefined;
  /** whose share of the query pool a client's db/query uses (default: its client id) */
  shareOf?: (client: NeoClient) => string;
  batcher: WriteBatcher;
  /** deliver a reply to the requesting client only (machbase-neo: replies go to the requester) */
  replyTo(
    clientId: string,
    msg: { topic: string; payload: string | Buffer; properties?: InboundPublish["properties"] },
  ): void;
  log: Logger;
  /** undefined: room for one more db/query answer; else why not (Query.AnswerBudget*) */
  answerRoom?: (client: NeoClient) => string | undefined;
  /** per-message warnings (refused payloads, failed writes, db/query errors), summed up per client and minute */
  refusals: LogAggregator;
}

const who = (c: NeoClient) => c.identity ?? c.id;

/**
 * The payload's own fault (bad format, bad table name, ...): answered with 0x99 and
 * never retried. Anything else that kept a message from being stored (a NeoError of a
 * 5xx status, an SQLite error, a bug) must never be acknowledged.
 */
function isPayloadFault(err: unknown): boolean {
  return isNeoError(err) && err.status < 500;
}

/** not a data topic: the broker routes it as usual (one shared, frozen outcome) */
const NOT_OURS: PublishOutcome = Object.freeze({ handled: false });

interface WriteTopic {
  table: string;
  format: "json" | "csv" | "ndjson";
  compress?: "gzip";
}

/** `db/write/T`, `db/write/T:csv`, `db/write/T:json:gzip`, `db/append/T` -> parts, or an error text */
export function parseWriteTopic(topic: string): WriteTopic | string | undefined {
  let rest: string;
  if (topic.startsWith("db/write/")) rest = topic.slice(9);
  else if (topic.startsWith("db/append/")) rest = topic.slice(10);
  else return undefined;
  const [table = "", ...suffix] = rest.split(":");
  let format: WriteTopic["format"] = "json";
  let compress: "gzip" | undefined;
  for (const s of suffix) {
    const v = s.toLowerCase();
    if (FORMATS.has(v)) format = v as WriteTopic["format"];
    else if (v === "gzip") compress = "gzip";
    else return `unsupported topic suffix "${s}" (use json, csv, ndjson, gzip)`;
  }
  if (table === "") return "missing table name in topic";
  return { table, format, compress };
}

function userProp(msg: InboundPublish, key: string): string | undefined {
  const v = msg.properties?.userProperties?.[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** a `reply` field inside a JSON object payload, as machbase-neo accepts */
function jsonField(payload: Buffer, key: string): string | undefined {
  // hot path: a `{"data":...}` write is parsed by ingest anyway; parse it here only when
  // the key can be in it at all
  if (payload[0] !== 0x7b /* { */ || !payload.includes(`"${key}"`)) return undefined;
  try {
    const v = JSON.parse(payload.toString("utf8"))?.[key];
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    return undefined;
  }
}

const elapse = elapseSince;

export function createDataTopics(deps: DataTopicDeps) {
  const reply = (client: NeoClient, msg: InboundPublish, topic: string | undefined, body: string | Buffer) => {
    if (!topic) return;
    deps.replyTo(client.id, {
      topic,
      payload: body,
      properties: msg.properties?.correlationData ? { correlationData: msg.properties.correlationData } : undefined,
    });
  };

  async function handleWrite(client: NeoClient, msg: InboundPublish, wt: WriteTopic | string): Promise<PublishOutcome> {
    const t0 = performance.now();
    const replyTo = msg.properties?.responseTopic ?? userProp(msg, "reply") ?? jsonField(msg.payload, "reply");
    try {
      if (typeof wt === "string") throw new Error(wt);
      const fmt = (userProp(msg, "format") ?? wt.format).toLowerCase();
      if (!FORMATS.has(fmt)) throw new Error(`unsupported format "${fmt}"`);
      const compress = userProp(msg, "compress")?.toLowerCase() === "gzip" ? "gzip" : wt.compress;
      const header = userProp(msg, "header");
      const opts = {
        format: fmt as WriteTopic["format"],
        compress,
        timeformat: userProp(msg, "timeformat"),
        tz: userProp(msg, "tz"),
        header: header === "skip" || header === "columns" ? header : undefined,
      } as const;
      let n = 0;
      if (msg.payload.length <= BIG_BODY) n = await deps.batcher.write(wt.table, parsePayload(msg.payload, opts));
      else {
        // a big payload: parsed off the event loop, committed slice by slice; PUBACK after the last
        await parseInSlices(msg.payload, opts, async (rows) => {
          n += await deps.batcher.write(wt.table, rows);
        });
      }
      reply(
        client,
        msg,
        replyTo,
        JSON.stringify({ success: true, reason: `success, ${n} record(s) inserted`, elapse: elapse(t0) }),
      );
      return { handled: true, reasonCode: RC.success };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      reply(client, msg, replyTo, JSON.stringify({ success: false, reason, elapse: elapse(t0) }));
      if (typeof wt !== "string" && !isPayloadFault(err)) {
        // not stored, and not the payload's fault (a full disk, SQLite busy or an I/O
        // error): nothing is acknowledged. v5 gets a failure code (Quota exceeded for a
        // full disk); a v3.1.1 client, which has no failure PUBACK, is disconnected
        // before the PUBACK so it sends the message again later
        if (!(isNeoError(err) && err.code === "storage_full"))
          deps.refusals.warn(who(client), `storing ${msg.topic} from ${who(client)} failed: ${reason}`);
        return client.protocolVersion === 5
          ? {
              handled: true,
              reasonCode: isNeoError(err) && err.code === "storage_full" ? RC.quotaExceeded : RC.unspecifiedError,
            }
          : { handled: true, reasonCode: RC.unspecifiedError, disconnect: true };
      }
      deps.refusals.warn(who(client), `refused ${msg.topic} from ${who(client)}: ${reason}`);
      return { handled: true, reasonCode: RC.payloadFormatInvalid };
    }
  }

  async function handleQuery(client: NeoClient, msg: InboundPublish): Promise<PublishOutcome> {
    const t0 = performance.now();
    let replyTo = msg.properties?.responseTopic ?? userProp(msg, "reply") ?? "db/reply";
    try {
      let req: { q?: unknown; reply?: unknown; timeformat?: unknown; tz?: unknown; compress?: unknown };
      try {
        req = JSON.parse(msg.payload.toString("utf8"));
      } catch {
        throw new Error('db/query payload must be JSON {"q": "select ..."}');
      }
      if (typeof req !== "object" || req === null) throw new Error('db/query payload must be JSON {"q": "select ..."}');
      if (typeof req.reply === "string" && req.reply !== "") replyTo = req.reply;
      if (typeof req.q !== "string" || req.q.trim() === "") throw new Error('missing query "q"');
      // machbase-neo's output options, as on /db/query: format, heading, precision, rownum, ...
      const fields = req as Record<string, unknown>;
      const output = parseOutputOptions((k) => {
        const v = fields[k];
        return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : undefined;
      });
      const gzip = parseCompress(typeof req.compress === "string" ? req.compress : undefined) === "gzip";
      // answers waiting for MQTT clients that do not read: past the budget, refused before it runs
      const full = deps.answerRoom?.(client);
      if (full) {
        deps.refusals.warn(who(client), `db/query from ${who(client)} refused: ${full}`);
        reply(client, msg, replyTo, refusalBody({ reason: full }, elapse(t0)));
        return { handled: true, reasonCode: RC.quotaExceeded };
      }
      const refused = deps.readCheck?.(client, req.q);
      if (refused) {
        deps.log.debug(`db/query from ${client.identity ?? client.id} refused: ${refused.reason}`);
        reply(client, msg, replyTo, refusalBody(refused, elapse(t0)));
        // not allowed: 0x87; a statement SQLite cannot compile is the payload's fault, as below
        return { handled: true, reasonCode: refused.status === 403 ? RC.notAuthorized : RC.payloadFormatInvalid };
      }
      const a = await deps.queries.run(
        {
          sql: req.q,
          timeformat: typeof req.timeformat === "string" ? req.timeformat : undefined,
          tz: typeof req.tz === "string" ? req.tz : undefined,
          output,
        },
        undefined,
        deps.shareOf?.(client) ?? `mqtt:${client.id}`,
      );
      if (a.ok) {
        reply(client, msg, replyTo, gzip ? Buffer.from(Bun.gzipSync(Buffer.from(a.body))) : a.body);
        return { handled: true, reasonCode: RC.success };
      }
      deps.log.debug(`db/query from ${client.identity ?? client.id} refused: ${a.reason}`);
      reply(client, msg, replyTo, refusalBody(a, elapse(t0)));
      // a bad statement is the payload's fault; a timeout or a full pool is not; the
      // client's own share of the pool being full is its quota (0x97)
      return {
        handled: true,
        reasonCode:
          a.status === 429
            ? RC.quotaExceeded
            : a.status < 500 && a.status !== 413
              ? RC.payloadFormatInvalid
              : RC.unspecifiedError,
      };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      deps.refusals.warn(who(client), `db/query from ${who(client)} failed: ${reason}`);
      reply(client, msg, replyTo, JSON.stringify({ success: false, reason, elapse: elapse(t0) }));
      return { handled: true, reasonCode: RC.payloadFormatInvalid };
    }
  }

  return {
    onPublish(client: NeoClient, msg: InboundPublish): Promise<PublishOutcome> | PublishOutcome {
      if (!msg.topic.startsWith("db/")) return NOT_OURS; // the hot path: every other publish
      if (msg.topic === "db/query") return handleQuery(client, msg);
      const wt = parseWriteTopic(msg.topic);
      if (wt === undefined) return NOT_OURS;
      return handleWrite(client, msg, wt);
    },
  };
}
