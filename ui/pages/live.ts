// Live: subscribe to a topic filter from the browser (MQTT over WebSocket at /mqtt,
// signed in with this console session; it may only watch) and see messages arrive.
// Pause keeps them aside; at most CAP are kept, the oldest go first.
import { useEffect, useRef, useState } from "preact/hooks";
import { currentSession, currentUser } from "../api.ts";
import { Note } from "../components.ts";
import { fmtTime, num } from "../format.ts";
import { html } from "../html.ts";
import { connectLive, type LiveClient, type LiveMessage } from "../mqtt-ws.ts";

const CAP = 500;
const SHOW_BYTES = 1000;

interface Row extends LiveMessage {
  n: number;
  text: string;
}

function asText(p: Uint8Array): string {
  const s = new TextDecoder("utf-8", { fatal: false }).decode(p.subarray(0, SHOW_BYTES));
  return p.length > SHOW_BYTES ? `${s}… (${num(p.length)} bytes)` : s;
}

export function LivePage() {
  const [filter, setFilter] = useState("#");
  const [active, setActive] = useState<string[]>([]);
  const [rows, setRows] = useState<Row[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const [dropped, setDropped] = useState(0);
  const [status, setStatus] = useState<{ kind: "loading" | "error" | "empty"; text: string } | null>({
    kind: "empty",
    text: "Not watching anything yet. Enter a topic filter (# is everything) and press Subscribe.",
  });
  const client = useRef<LiveClient | null>(null);
  const pausedRef = useRef(false);
  const buffer = useRef<Row[]>([]);
  const seq = useRef(0);

  useEffect(() => () => client.current?.close(), []);

  const push = (list: Row[], more: Row[]) => {
    const all = [...more.reverse(), ...list];
    if (all.length > CAP) setDropped((d) => d + all.length - CAP);
    return all.slice(0, CAP);
  };

  function onMessage(m: LiveMessage) {
    const row: Row = { ...m, n: ++seq.current, text: asText(m.payload) };
    if (pausedRef.current) {
      buffer.current.push(row);
      if (buffer.current.length > CAP) {
        buffer.current.shift();
        setDropped((d) => d + 1);
      }
      setHeld(buffer.current.length);
    } else setRows((r) => push(r, [row]));
  }

  async function subscribe(ev: SubmitEvent) {
    ev.preventDefault();
    const f = filter.trim();
    if (f === "") return setStatus({ kind: "error", text: "Enter a topic filter, for example sensors/# or #." });
    if (active.includes(f)) return setStatus({ kind: "error", text: `Already watching ${f}.` });
    try {
      if (!client.current) {
        setStatus({ kind: "loading", text: "Connecting to the broker over WebSocket…" });
        client.current = await connectLive({
          user: currentUser(),
          session: currentSession(),
          clientId: `neo-console-${Math.random().toString(36).slice(2, 10)}`,
          onMessage,
          onClose: (reason) => {
            client.current = null;
            setActive([]);
            setStatus({ kind: "error", text: `Disconnected: ${reason}. Subscribe again to reconnect.` });
          },
        });
      }
      await client.current.subscribe(f);
      setActive((a) => [...a, f]);
      setStatus(null);
    } catch (e) {
      setStatus({ kind: "error", text: `Could not watch ${f}: ${(e as Error).message}.` });
    }
  }

  function unsubscribe(f: string) {
    client.current?.unsubscribe(f);
    setActive((a) => a.filter((x) => x !== f));
  }

  function togglePause() {
    const next = !paused;
    pausedRef.current = next;
    setPaused(next);
    if (!next) {
      const more = buffer.current.splice(0);
      setHeld(0);
      setRows((r) => push(r, more));
    }
  }

  return html`<section aria-labelledby="live-h">
    <div class="toolbar"><div><h1 id="live-h">Live</h1>
      <p class="muted">Messages routed to subscribers, as they pass through the broker (newest first, at most ${CAP}
        kept). Rows written with <code>db/write/…</code> and <code>db/append/…</code> are stored, not routed, so they
        do not appear here: see them on the Data page.</p></div></div>
    <form class="card pad row-actions" id="live-form" onSubmit=${subscribe}>
      <label class="inline grow">Topic filter
        <input id="live-filter" value=${filter} spellcheck=${false} autocapitalize="off"
          onInput=${(e: Event) => setFilter((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button id="live-subscribe" class="btn primary" type="submit">Subscribe</button>
      <button id="live-pause" class="btn" type="button" aria-pressed=${paused} onClick=${togglePause}>
        ${paused ? "Resume" : "Pause"}</button>
      <button id="live-clear" class="btn ghost" type="button" onClick=${() => {
        setRows([]);
        setDropped(0);
      }}>Clear</button>
    </form>
    ${
      active.length > 0
        ? html`<ul class="chips" id="live-active" aria-label="Watching">${active.map(
            (f) => html`<li key=${f}><code>${f}</code>
              <button class="btn small ghost" type="button" aria-label=${`Stop watching ${f}`} onClick=${() => unsubscribe(f)}>×</button></li>`,
          )}</ul>`
        : null
    }
    <div aria-live="polite">
      ${status ? html`<${Note} kind=${status.kind} id="live-status">${status.text}<//>` : null}
      ${paused ? html`<p class="note" id="live-paused" role="status">Paused: ${num(held)} message${held === 1 ? "" : "s"} waiting. Resume to see them.</p>` : null}
      ${!status && active.length > 0 && rows.length === 0 && !paused ? html`<${Note} kind="empty">Watching; no message has arrived yet.<//>` : null}
      ${dropped > 0 ? html`<p class="muted" id="live-dropped">${num(dropped)} older message${dropped === 1 ? "" : "s"} dropped to stay within ${CAP}.</p>` : null}
    </div>
    ${
      rows.length > 0
        ? html`<div class="card table-card scroll"><table id="live-messages" class="result">
        <thead><tr><th scope="col">Time</th><th scope="col">Topic</th><th scope="col">Payload</th></tr></thead>
        <tbody>${rows.map(
          (r) => html`<tr key=${r.n}>
            <td data-label="Time" class="date">${fmtTime(r.at)}${r.retain ? html` <span class="badge">retained</span>` : null}</td>
            <td data-label="Topic"><code>${r.topic}</code></td>
            <td data-label="Payload" class="payload">${r.text}</td></tr>`,
        )}</tbody></table></div>`
        : null
    }
  </section>`;
}
