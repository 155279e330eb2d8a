// Query { Timeout, MaxRows, MaxBytes, MaxMemory, Workers, AnswerBudget, AnswerBudgetPerClient }: how
// much one read-only query may take, and how much of its answers may wait for slow MQTT readers.
import { formatDuration } from "../../lib/duration.ts";
import { DEFAULT_QUERY } from "../defaults.ts";
import type { QueryConfig } from "../types.ts";
import { duration, int } from "./leaves.ts";
import type { ConfigPatch } from "./patch.ts";
import { q, type Section } from "./spec.ts";

const query =
  <K extends keyof QueryConfig>(k: K) =>
  (p: ConfigPatch, n: number) => {
    p.query ??= {};
    p.query[k] = n as QueryConfig[K];
  };

export const querySection: Section = {
  key: "Query",
  spec: {
    kind: "block",
    fields: {
      Timeout: duration(100, 3_600_000, query("timeoutMs")),
      MaxRows: int(1, 100_000_000, query("maxRows")),
      MaxBytes: int(1024, 2 ** 32, query("maxBytes")),
      MaxMemory: int(32 * 1024 * 1024, 2 ** 40, query("maxMemory")),
      Workers: int(1, 64, query("workers")),
      AnswerBudget: int(1024 * 1024, 2 ** 40, query("answerBudget")),
      AnswerBudgetPerClient: int(1024 * 1024, 2 ** 40, query("answerBudgetPerClient")),
    },
  },
  apply: (cfg, p) => {
    if (p.query) Object.assign(cfg.query, p.query);
  },
  format: (cfg) => [
    "Query {",
    `  Timeout = ${q(formatDuration(cfg.query.timeoutMs))}`,
    `  MaxRows = ${cfg.query.maxRows}`,
    `  MaxBytes = ${cfg.query.maxBytes}`,
    `  MaxMemory = ${cfg.query.maxMemory}`,
    `  Workers = ${cfg.query.workers}`,
    `  AnswerBudget = ${cfg.query.answerBudget}`,
    `  AnswerBudgetPerClient = ${cfg.query.answerBudgetPerClient}`,
    "}",
  ],
  sample: () => `Query {
  # /db/query and the db/query topic run in separate query processes (at most Workers,
  # each about 25 MB while alive, gone after a minute idle). A query running longer
  # than Timeout, or whose process grows past MaxMemory bytes, is stopped and refused;
  # a result over MaxRows rows or MaxBytes bytes of JSON is cut and says so.
  Timeout = "${DEFAULT_QUERY.timeoutMs / 1000}s"
  MaxRows = ${DEFAULT_QUERY.maxRows}
  MaxBytes = ${DEFAULT_QUERY.maxBytes}
  MaxMemory = ${DEFAULT_QUERY.maxMemory}
  Workers = ${DEFAULT_QUERY.workers}

  # db/query answers (and everything else) written to MQTT clients and not yet read by
  # them: past AnswerBudget bytes in all, or AnswerBudgetPerClient for one key, a new
  # db/query is refused before it runs (v5 PUBACK 0x97, a reply saying so). HTTP answers
  # stream from the query process as the client reads, so they wait there instead.
  AnswerBudget = ${DEFAULT_QUERY.answerBudget}
  AnswerBudgetPerClient = ${DEFAULT_QUERY.answerBudgetPerClient}
}`,
};
