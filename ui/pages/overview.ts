// Overview: connections, messages in/out per second, rows written per second and auth
// failures per minute, live (the same counters /metrics exports, read every 2 s), and as
// charts of the last hour and day from what the gateway recorded of itself
// (overview-history.ts); version, uptime, data dir size and the listeners.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { Note } from "../components.ts";
import { bytes, duration, fmtDate, num } from "../format.ts";
import { html } from "../html.ts";
import { type LivePoint, OverviewHistory } from "./overview-history.ts";

type Overview = import("../../src/http/routes/console-views.ts").OverviewView;

const POLL_MS = 2000;
const KEEP = 150; // 5 minutes of readings

interface Point {
  t: number;
  connections: number;
  inPerS: number | null;
  outPerS: number | null;
  rowsPerS: number | null;
  failPerMin: number | null;
  byListener: Record<string, number>;
  rss: number;
  disk: number;
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
          byListener: m.connectionsByListener,
          rss: m.residentMemoryBytes,
          disk: r.data.dataDirBytes,
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

  const latest = points[points.length - 1];
  const live: LivePoint[] = points.map((p) => ({
    t: p.t,
    connections: p.connections,
    byListener: p.byListener,
    inPerS: p.inPerS,
    outPerS: p.outPerS,
    rowsPerS: p.rowsPerS,
    failPerS: p.failPerMin === null ? null : p.failPerMin / 60,
    rss: p.rss,
    disk: p.disk,
  }));
  const m = ov?.metrics;
  return html`<section aria-labelledby="ov-h">
    <div class="toolbar"><div><h1 id="ov-h">Overview</h1>
      <p class="muted">The figures just below are live (read every 2 seconds); the charts show what
        the gateway recorded of itself every 10 seconds: the last hour and the last day.</p></div></div>
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
      <${OverviewHistory} live=${live} />
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
        ${
          ov.exports.length > 0
            ? html`<h2>Exports to PostgreSQL</h2>
        <table class="cards" id="ov-exports">
          <thead><tr><th scope="col">Export</th><th scope="col">Database</th><th scope="col">State</th>
            <th scope="col">Waiting</th><th scope="col">Sent rows</th></tr></thead>
          <tbody>
            ${ov.exports.map(
              (e) => html`<tr key=${e.name} data-export=${e.name}>
                <td data-label="Export" class="id">${e.name}</td><td data-label="Database"><code>${e.database}</code></td>
                <td data-label="State">${e.connected ? "connected" : `waiting for the database${e.lastError ? `: ${e.lastError}` : ""}`}</td>
                <td data-label="Waiting">${num(e.queuedEntries)} writes, ${bytes(e.queuedBytes)}${e.oldestAgeSeconds ? `, oldest ${duration(e.oldestAgeSeconds)}` : ""}</td>
                <td data-label="Sent rows">${num(e.sentRows)}</td></tr>`,
            )}
          </tbody>
        </table>`
            : null
        }
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
