// Resolve the configuration: defaults < config file < NEO_* environment < CLI flags.
// Every problem from every source is collected and thrown together as one
// NeoError("config_invalid"), one problem per line:
//   neo.conf:3:21: Http.EnableTokenAuth: expected boolean, got string "yes"
//   env NEO_HTTP_PORT: invalid port "http" (expected an integer 0-65535)
//   flag --mqtt-port: port 70000 out of range (0-65535)
// Relative paths: `Data`, `CertFile`, `KeyFile` in a file are relative to the file's
// directory; NEO_DATA, --data and the default "./neo-data" are relative to cwd.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { defaultConfig } from "./defaults.ts";
import { formatListen } from "./listen.ts";
import { httpListeners, mqttListeners, type ResolvedListener } from "./listeners.ts";
import { parse } from "./parser.ts";
import { SECTIONS, validate, type ConfigPatch } from "./schema/index.ts";
import { readEnv, readFlags, type ConfigFlags } from "./sources.ts";
import type { NeoConfig } from "./types.ts";

export interface LoadOptions {
  /** config file; falls back to env.NEO_CONFIG; none means defaults + env + flags */
  file?: string;
  /** defaults to process.env */
  env?: Record<string, string | undefined>;
  flags?: ConfigFlags;
  /** defaults to process.cwd() */
  cwd?: string;
}

/** Parse and validate config text; `name` is used in problem locations, `baseDir` for relative paths. */
export function parseConfigText(
  text: string,
  name: string,
  baseDir: string,
): { patch: ConfigPatch; problems: string[] } {
  const parsed = parse(text);
  const checked = validate(parsed.entries, baseDir);
  const all = [...parsed.problems, ...checked.problems].sort(
    (a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col,
  );
  return { patch: checked.patch, problems: all.map((p) => `${name}:${p.pos.line}:${p.pos.col}: ${p.message}`) };
}

/** Apply a patch onto a config (mutates and returns it); undefined keys leave the value alone. */
function apply(cfg: NeoConfig, p: ConfigPatch): NeoConfig {
  for (const s of SECTIONS) s.apply(cfg, p);
  return cfg;
}

/** Resolve the configuration from defaults, the file, NEO_* env and flags; throws config_invalid listing every problem. */
export function loadConfig(opts: LoadOptions = {}): NeoConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const cfg = defaultConfig(cwd);

  const envFile = env.NEO_CONFIG?.trim() ? env.NEO_CONFIG : undefined;
  const file = opts.file ?? envFile;
  if (file !== undefined) {
    const abs = isAbsolute(file) ? file : resolve(cwd, file);
    let text: string | undefined;
    try {
      text = readFileSync(abs, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT"
          ? "no such file"
          : code === "EISDIR"
            ? "is a directory"
            : code === "EACCES"
              ? "permission denied"
              : String(e);
      problems.push(`${file}: cannot read config file: ${why}`);
    }
    if (text !== undefined) {
      const r = parseConfigText(text, file, dirname(abs));
      problems.push(...r.problems);
      apply(cfg, r.patch);
      cfg.file = abs;
    }
  }
  apply(cfg, readEnv(env, cwd, problems));
  apply(cfg, readFlags(opts.flags ?? {}, cwd, problems));

  // an address taken by both services (each service checks its own listeners)
  const mqttAt = mqttListeners(cfg.mqtt);
  for (const h of httpListeners(cfg.http)) {
    const m = mqttAt.find(
      (x) => x.listen.port !== 0 && x.listen.port === h.listen.port && x.listen.host === h.listen.host,
    );
    if (!m) continue;
    const where = (l: ResolvedListener<string>, svc: string) =>
      l.named ? `${svc}.Listener ${JSON.stringify(l.name)}` : svc.toUpperCase();
    problems.push(
      h.named || m.named
        ? `${cfg.file ?? "config"}:${(h.named ? h.at : m.at) ?? "?"}: ${where(h, "Http")} and ${where(m, "Mqtt")} both listen on ${formatListen(h.listen)}; give them different ports`
        : `config: HTTP and MQTT both listen on ${formatListen(h.listen)}; give them different ports`,
    );
  }
  if (problems.length > 0) throw new NeoError("config_invalid", problems.join("\n"), 400);
  return cfg;
}
