// One set of counters for /metrics, $SYS and the console's Overview. Counters and the
// histogram are plain numbers bumped where things happen (never per QoS 0 message: the
// broker counts messages itself, and those figures are read only when someone asks);
// gauges are functions read at scrape time. render() writes the Prometheus text
// exposition format 0.0.4.
export type Labels = Record<string, string>;

interface Counter {
  inc(labels?: Labels, by?: number): void;
  /** the current value for these labels (0 when never counted) */
  get(labels?: Labels): number;
  /** the sum over every label set */
  total(): number;
}

interface Histogram {
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
}

export type Sample = { labels?: Labels; value: number };

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** a figure read when metrics are rendered: one value, or one per label set */
  gauge(name: string, help: string, read: () => number | Sample[], type?: "gauge" | "counter"): void;
  render(): string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** a label value as the text format wants it: backslash, quote and newline escaped */
const NEEDS_ESCAPE = /[\\"\n]/;
const escapeValue = (v: string) =>
  NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** label texts of frozen label sets (they cannot change): a hot counter passes the same one again */
const frozenText = new WeakMap<Labels, string>();

function labelText(labels: Labels | undefined): string {
  if (!labels) return "";
  const known = frozenText.get(labels);
  if (known !== undefined) return known;
  const text = labelTextOf(labels);
  if (Object.isFrozen(labels)) frozenText.set(labels, text);
  return text;
}

function labelTextOf(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  keys.sort();
  return `{${keys.map((k) => `${k}="${escapeValue(labels[k] ?? "")}"`).join(",")}}`;
}

/** Go's strconv.FormatFloat 'g'-ish: integers plain, +Inf/-Inf/NaN spelled the Prometheus way */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
}

export function createMetricsRegistry(): MetricsRegistry {
  const parts: { name: string; render: (out: string[]) => void }[] = [];
  const names = new Set<string>();
  const add = (name: string, render: (out: string[]) => void) => {
    checkName(name);
    if (names.has(name)) throw new Error(`metric "${name}" registered twice`);
    names.add(name);
    parts.push({ name, render });
  };

  return {
    counter(name, help) {
      const values = new Map<string, { labels: Labels | undefined; value: number }>();
      add(name, (out) => {
        out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} counter`);
        for (const [key, v] of values) out.push(`${name}${key} ${formatValue(v.value)}`);
      });
      return {
        inc(labels, by = 1) {
          const key = labelText(labels);
          const e = values.get(key);
          if (e) e.value += by;
          else {
            if (labels)
              for (const k of Object.keys(labels)) if (!LABEL.test(k)) throw new Error(`invalid label "${k}"`);
            values.set(key, { labels: labels ? { ...labels } : undefined, value: by });
          }
        },
        get: (labels) => values.get(labelText(labels))?.value ?? 0,
        total() {
          let t = 0;
          for (const v of values.values()) t += v.value;
          return t;
        },
      };
    },

    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const counts = new Array<number>(bounds.length).fill(0);
      const h = { count: 0, sum: 0 };
      add(name, (out) => {
        out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`);
        let cumulative = 0;
        bounds.forEach((b, i) => {
          cumulative += counts[i] ?? 0;
          out.push(`${name}_bucket{le="${formatValue(b)}"} ${cumulative}`);
        });
        out.push(
          `${name}_bucket{le="+Inf"} ${h.count}`,
          `${name}_sum ${formatValue(h.sum)}`,
          `${name}_count ${h.count}`,
        );
      });
      return {
        observe(v) {
          h.count++;
          h.sum += v;
          for (let i = 0; i < bounds.length; i++) {
            if (v <= (bounds[i] as number)) {
              counts[i] = (counts[i] ?? 0) + 1;
              return;
            }
          }
        },
        get count() {
          return h.count;
        },
        get sum() {
          return h.sum;
        },
      };
    },

    gauge(name, help, read, type = "gauge") {
      add(name, (out) => {
        out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
        const v = read();
        if (typeof v === "number") out.push(`${name} ${formatValue(v)}`);
        else for (const s of v) out.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
      });
    },

    render() {
      const out: string[] = [];
      for (const p of parts) p.render(out);
      return `${out.join("\n")}\n`;
    },
  };
}
