// Data = "/var/lib/neo": the data directory.
import { DEFAULT_DATA } from "../defaults.ts";
import { path } from "./leaves.ts";
import { def, q, type Section } from "./spec.ts";

export const dataSection: Section = {
  key: "Data",
  spec: path((p, d) => (p.data = d)),
  apply: (cfg, p) => {
    cfg.data = def(p.data, cfg.data);
  },
  format: (cfg) => [`Data = ${q(cfg.data)}`],
  sample: () => `# Data directory: SQLite database, the gateway CA and keys (created 0700).
# Default: ${DEFAULT_DATA} under the working directory. Env NEO_DATA, flag --data.
# Data = "/var/lib/neo"`,
};
