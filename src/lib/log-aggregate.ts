// Repeated warnings from one source (refused logins, tokens, CONNECTs) must not flood
// the journal on an SD card: the first `keep` per source and window are written in
// full, the rest are counted and summed up in ONE line per source when the window ends
// ("... and 1,998 more like it in the last 60s, latest: ..."). Sources are bounded too:
// past `maxSources` in a window, further ones share a single "other sources" count.
// Used for authentication failures on every listener; reusable for any noisy warning.
import type { Logger } from "./log.ts";

export interface AggregateOptions {
  /** lines written in full per source and window (default 5) */
  keep?: number;
  /** window length, ms (default 60 s) */
  windowMs?: number;
  /** distinct sources tracked per window (default 1000) */
  maxSources?: number;
}

interface Tally {
  full: number;
  dropped: number;
  latest: string;
}

export interface LogAggregator {
  /** a warning about `source` (an address, a client id) */
  warn(source: string, message: string): void;
  /** a Logger whose warn() is aggregated under `source`; other levels pass through */
  forSource(source: string): Logger;
  /** write the pending summaries now (shutdown, tests) */
  flush(): void;
  stop(): void;
}

const OTHERS = "other sources";

export function createLogAggregator(log: Logger, what: string, opts: AggregateOptions = {}): LogAggregator {
  const keep = opts.keep ?? 5;
  const windowMs = opts.windowMs ?? 60_000;
  const maxSources = opts.maxSources ?? 1000;
  let tallies = new Map<string, Tally>();
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const done = tallies;
    tallies = new Map();
    const secs = Math.round(windowMs / 1000);
    for (const [source, t] of done) {
      if (t.dropped === 0) continue;
      log.warn(
        `${what} from ${source}: ${t.dropped.toLocaleString("en-US")} more in the last ${secs}s (not logged one by one; latest: ${t.latest})`,
      );
    }
  };

  const warn = (source: string, message: string) => {
    let key = source;
    let t = tallies.get(key);
    if (!t && tallies.size >= maxSources) {
      key = OTHERS;
      t = tallies.get(key);
    }
    if (!t) {
      t = { full: 0, dropped: 0, latest: "" };
      tallies.set(key, t);
    }
    timer ??= setTimeout(flush, windowMs);
    (timer as { unref?: () => void }).unref?.();
    if (key !== OTHERS && t.full < keep) {
      t.full++;
      log.warn(t.full === keep ? `${message} (further ones from ${source} are summed up each minute)` : message);
      return;
    }
    t.dropped++;
    t.latest = message;
  };

  return {
    warn,
    forSource: (source) => ({
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => warn(source, m),
      error: (m, cause) => log.error(m, cause),
    }),
    flush,
    stop() {
      flush();
    },
  };
}
