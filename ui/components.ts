// Shared pieces: labelled modal dialogs (native <dialog>), a confirm dialog and a toast
// any page can call, sentences for loading / empty / error, and a uPlot chart.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import uPlot from "uplot";
import { html } from "./html.ts";

/**
 * A modal dialog named by its heading (aria-labelledby). Esc calls onClose; focus goes
 * to the first field (or `autofocus`) on open and back where it was on close (native).
 */
export function Dialog(p: {
  id: string;
  open: boolean;
  title: ComponentChildren;
  onClose: () => void;
  wide?: boolean;
  describedBy?: string;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) d.showModal();
    else if (!p.open && d.open) d.close();
  }, [p.open]);
  return html`<dialog
    id=${p.id}
    ref=${ref}
    class=${p.wide ? "dialog dialog-wide" : "dialog"}
    aria-labelledby=${`${p.id}-title`}
    aria-describedby=${p.describedBy}
    onCancel=${(e: Event) => {
      e.preventDefault();
      p.onClose();
    }}
  >
    ${p.open ? html`<h2 id=${`${p.id}-title`}>${p.title}</h2>${p.children}` : null}
  </dialog>`;
}

interface ConfirmRequest {
  title: string;
  text: string;
  action: string;
  resolve: (yes: boolean) => void;
}
let showConfirm: (r: ConfirmRequest) => void = (r) => r.resolve(window.confirm(`${r.title}\n\n${r.text}`));

/** Ask before doing something that cannot be undone; resolves true for the action button. */
export function confirmDialog(title: string, text: string, action: string): Promise<boolean> {
  return new Promise((resolve) => showConfirm({ title, text, action, resolve }));
}

export function ConfirmHost() {
  const [req, setReq] = useState<ConfirmRequest | null>(null);
  showConfirm = setReq;
  const done = (v: boolean) => {
    req?.resolve(v);
    setReq(null);
  };
  return html`<${Dialog} id="confirm-dialog" open=${req !== null} title=${req?.title ?? ""} onClose=${() => done(false)}
    describedBy="confirm-text">
    <p id="confirm-text" class="muted">${req?.text}</p>
    <div class="dialog-actions">
      <button id="confirm-no" class="btn ghost" type="button" onClick=${() => done(false)}>Cancel</button>
      <button id="confirm-yes" class="btn danger" type="button" onClick=${() => done(true)}>${req?.action}</button>
    </div>
  <//>`;
}

let showToast: (t: { text: string; bad: boolean }) => void = () => {};
export function toast(text: string, bad = false): void {
  showToast({ text, bad });
}

export function ToastHost() {
  const [t, setT] = useState<{ text: string; bad: boolean } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  showToast = (v) => {
    setT(v);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setT(null), 3500);
  };
  return html`<div id="toast" class=${t?.bad ? "toast bad" : "toast"} role="status" aria-live="polite" hidden=${!t}>
    ${t?.text}
  </div>`;
}

/** A sentence in place of content: loading, empty or failed (role=alert for failures). */
export function Note(p: { kind: "loading" | "empty" | "error"; children: ComponentChildren; id?: string }) {
  return html`<p id=${p.id} class=${`note ${p.kind}`} role=${p.kind === "error" ? "alert" : "status"}>${p.children}</p>`;
}

export interface Series {
  label: string;
  values: (number | null)[];
}

const COLORS = ["#0f766e", "#b45309", "#1d4ed8", "#be123c", "#7c3aed", "#15803d", "#a16207", "#0e7490"];

const pad2 = (n: number) => String(n).padStart(2, "0");
/** an axis label in local time: 14:05; with "day", the date instead at midnight */
function timeLabel(t: number, mode: "hm" | "day" | undefined): string {
  const d = new Date(t * 1000);
  if (mode === "day" && d.getHours() === 0 && d.getMinutes() === 0)
    return d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

export type ChartKind = "line" | "area" | "bar" | "step" | "points";

/** uPlot series options that draw one series as `kind` (bars share each x slot between the series) */
function drawing(kind: ChartKind, color: string, count: number): Partial<uPlot.Series> {
  switch (kind) {
    case "area":
      return { fill: `${color}33` };
    case "bar": {
      const bars = uPlot.paths.bars?.({ size: [Math.min(0.9, 0.6 + 0.1 * count) / count, 64] });
      return bars ? { paths: bars, fill: `${color}99`, points: { show: false } } : {};
    }
    case "step": {
      const stepped = uPlot.paths.stepped?.({ align: 1 });
      return stepped ? { paths: stepped } : {};
    }
    case "points":
      return { paths: () => null, points: { show: true, size: 5, fill: color } };
    default:
      return {};
  }
}

/**
 * A uPlot chart (lines unless `kind` says otherwise). `x` are seconds since the epoch; one line per series. Redrawn in
 * place when the data changes; re-created only when the series change.
 */
export function Chart(p: {
  id?: string;
  label: string;
  x: number[];
  series: Series[];
  height?: number;
  /** show this many seconds up to the newest point (live charts), instead of fitting the data */
  windowSeconds?: number;
  /** the x axis spans exactly this [from, to] (seconds), however sparse the data (a dashboard's time range) */
  xRange?: [number, number];
  /** time labels: "hm" (14:05) or "day" (14:05, and the date where a day starts); uPlot's own otherwise */
  timeLabels?: "hm" | "day";
  /** how each series is drawn (a dashboard panel's chart); a line by default */
  kind?: ChartKind;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const kind = p.kind ?? "line";
  const shape = `${kind}\u0000${p.series.map((s) => s.label).join("\u0000")}`;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(240, el.clientWidth || 300);
    const u = new uPlot(
      {
        width,
        height: p.height ?? 160,
        legend: { show: p.series.length > 1 },
        cursor: { drag: { x: true, y: false } },
        scales: {
          x: p.xRange
            ? { time: true, auto: false, min: p.xRange[0], max: p.xRange[1] }
            : p.windowSeconds
              ? { time: true, range: (_u: uPlot, _min: number, max: number) => [max - (p.windowSeconds ?? 0), max] }
              : { time: true },
        },
        axes: [
          p.timeLabels
            ? {
                stroke: "#888",
                space: 64,
                values: (_u: uPlot, splits: number[]) => splits.map((t) => timeLabel(t, p.timeLabels)),
              }
            : { stroke: "#888" },
          { stroke: "#888", size: 56 },
        ],
        series: [
          {},
          ...p.series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            spanGaps: true,
            ...drawing(kind, COLORS[i % COLORS.length]!, p.series.length),
          })),
        ],
      },
      [p.x, ...p.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() =>
      u.setSize({ width: Math.max(240, el.clientWidth), height: p.height ?? 160 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData([p.x, ...p.series.map((s) => s.values)] as uPlot.AlignedData);
    // a fixed span moves with each reading (a relative range's "now"); drag-zoom lasts until then
    if (p.xRange) plot.current?.setScale("x", { min: p.xRange[0], max: p.xRange[1] });
  }, [p.x, p.series, p.xRange?.[0], p.xRange?.[1]]);
  return html`<figure class="chart" id=${p.id} data-series=${p.series.length} data-kind=${kind}>
    <figcaption>${p.label}</figcaption>
    <div ref=${box} class="chart-box" role="img" aria-label=${`${p.label}: ${kind === "points" ? "scatter" : kind} chart`}></div>
  </figure>`;
}
