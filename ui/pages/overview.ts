// Overview: connections, messages in/out per second, rows written per second and auth
// failures per minute as live charts over the last minutes (the same counters /metrics
// exports, read every 2 s); version, uptime, data dir size and the listeners.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { Chart, Note } from "../components.ts";
import { bytes, duration, fmtDate, num } from "../format.ts";
import { html } from "../html.ts";

type Overview = import("../../src/web/console-api.ts").OverviewView;

const POLL_MS = 2000;
const KEEP = 150; // 5 minutes of readings

interface Point {
  t: number;
  connections: number;
  inPerS: number | null;
  outPerS: number | null;
  rowsPerS: number | null;
  failPerMin: number | null;
}

export function OverviewPage() {
  const [ov, setOv] = useState<Overview | null>(null);
  const [points, setPoints] = useState<Point[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let last: Overview["metrics"] | null = null;
    let stopped = false;
    const tick = async () => {
      try {
        const r = await api<ApiReply & { data: Overview }>("GET", "/console/overview");
        if (stopped) return;
        const m = r.data.metrics;
        const dt = last ? (m.at - last.at) / 1000 : 0;
        const rate = (now: number, before: number | undefined) =>
          last && dt > 0 && before !== undefined ? Math.max(0, (now - before) / dt) : null;
        const p: Point = {
          t: m.at / 1000,
          connections: m.connections,
          inPerS: rate(m.messagesReceived, last?.messagesReceived),
          outPerS: rate(m.messagesSent, last?.messagesSent),
          rowsPerS: rate(m.rowsWritten, last?.rowsWritten),
          failPerMin: (() => {
            const v = rate(m.authFailures, last?.authFailures);
            return v === null ? null : v * 60;
          })(),
        };
        last = m;
        setOv(r.data);
        setError(null);
        setPoints((ps) => [...ps, p].slice(-KEEP));
      } catch (e) {
        if (!stopped && !(e instanceof ApiError && e.status === 401))
          setError(`The gateway's figures could not be read: ${(e as Error).message}`);
      }
    };
    void tick();
    const timer = setInterval(tick, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const x = points.map((p) => p.t);
  const latest = points[points.length - 1];
  const m = ov?.metrics;
  return html`<section aria-labelledby="ov-h">
    <div class="toolbar"><div><h1 id="ov-h">Overview</h1>
      <p class="muted">Live figures, read every 2 seconds; the charts keep the last 5 minutes.</p></div></div>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${!ov && !error ? html`<${Note} kind="loading">Reading the gateway's figures…<//>` : null}
    ${
      ov && m
        ? html`
      <dl class="stats" id="ov-stats">
        <div><dt>Connections</dt><dd id="ov-connections">${num(m.connections)}</dd></div>
        <div><dt>Messages in / s</dt><dd id="ov-in">${latest?.inPerS == null ? "…" : num(latest.inPerS)}</dd></div>
        <div><dt>Messages out / s</dt><dd id="ov-out">${latest?.outPerS == null ? "…" : num(latest.outPerS)}</dd></div>
        <div><dt>Rows written / s</dt><dd id="ov-rows">${latest?.rowsPerS == null ? "…" : num(latest.rowsPerS)}</dd></div>
        <div><dt>Auth failures / min</dt><dd id="ov-fail">${latest?.failPerMin == null ? "…" : num(latest.failPerMin)}</dd></div>
        <div><dt>Messages received</dt><dd id="ov-received">${num(m.messagesReceived)}</dd></div>
      </dl>
      <div class="charts">
        <${Chart} windowSeconds=${300} id="chart-connections" label="Connections" x=${x} series=${[{ label: "connections", values: points.map((p) => p.connections) }]} />
        <${Chart} windowSeconds=${300} id="chart-messages" label="Messages per second" x=${x} series=${[
          { label: "in", values: points.map((p) => p.inPerS) },
          { label: "out", values: points.map((p) => p.outPerS) },
        ]} />
        <${Chart} windowSeconds=${300} id="chart-rows" label="Rows written per second" x=${x} series=${[{ label: "rows/s", values: points.map((p) => p.rowsPerS) }]} />
        <${Chart} windowSeconds=${300} id="chart-auth" label="Auth failures per minute" x=${x} series=${[{ label: "failures/min", values: points.map((p) => p.failPerMin) }]} />
      </div>
      <div class="card pad">
        <h2>Gateway</h2>
        <dl class="facts">
          <dt>Version</dt><dd id="ov-version">neo ${ov.version} (${ov.commit})</dd>
          <dt>Up since</dt><dd id="ov-uptime">${fmtDate(ov.startedAt)} (${duration((m.at - ov.startedAt) / 1000)})</dd>
          <dt>Data directory</dt><dd id="ov-data"><code>${ov.dataDir}</code>, ${bytes(ov.dataDirBytes)}</dd>
          <dt>Memory (resident)</dt><dd>${bytes(m.residentMemoryBytes)}</dd>
          <dt>Subscriptions / retained</dt><dd>${num(m.subscriptions)} / ${num(m.retained)}</dd>
          ${m.coap ? html`<dt>CoAP requests / observations</dt><dd id="ov-coap">${num(m.coap.requests)} / ${num(m.coap.observers)}</dd>` : null}
        </dl>
        <h2>Listeners</h2>
        <table class="cards" id="ov-listeners">
          <thead><tr><th scope="col">Listener</th><th scope="col">Address</th><th scope="col">TLS</th><th scope="col">Authentication</th></tr></thead>
          <tbody>
            ${ov.listeners.map(
              (l) => html`<tr key=${l.name}>
                <td data-label="Listener">${l.name}</td><td data-label="Address"><code>${l.address}</code></td>
                <td data-label="TLS">${l.tls ? "yes" : "no"}</td><td data-label="Authentication">${l.auth}</td></tr>`,
            )}
          </tbody>
        </table>
      </div>`
        : null
    }
  </section>`;
}
