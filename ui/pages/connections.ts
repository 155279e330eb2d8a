// Connections: who is connected now, how, since when and how busy; disconnect, or
// disconnect and revoke the key it used. Refreshed every 3 s.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { confirmDialog, Note, toast } from "../components.ts";
import { ago, fmtDate, num } from "../format.ts";
import { html } from "../html.ts";

type ConnectionView = import("../../src/http/routes/console-views.ts").ConnectionView;

const LISTENER: Record<ConnectionView["listener"], string> = { tcp: "TCP", tls: "TLS", ws: "WS", wss: "WSS" };

export function ConnectionsPage() {
  const [rows, setRows] = useState<ConnectionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function refresh() {
    try {
      const r = await api<ApiReply & { data: ConnectionView[] }>("GET", "/console/connections");
      setRows(r.data.sort((a, b) => a.clientId.localeCompare(b.clientId)));
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401))
        setError(`The connections could not be listed: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
    const t = setInterval(refresh, 3000);
    return () => clearInterval(t);
  }, []);

  async function disconnect(c: ConnectionView, revoke: boolean) {
    const yes = await confirmDialog(
      revoke ? `Disconnect ${c.clientId} and revoke key ${c.key}?` : `Disconnect ${c.clientId}?`,
      revoke
        ? `The key ${c.key} stops working everywhere at once (all its sessions, HTTP and MQTT). It stays listed as revoked.`
        : "The client is thrown out now; it may connect again with its credentials.",
      revoke ? "Disconnect and revoke" : "Disconnect",
    );
    if (!yes) return;
    try {
      await api("POST", `/console/connections/${encodeURIComponent(c.clientId)}/disconnect`, { revoke });
      toast(revoke ? `Disconnected ${c.clientId} and revoked ${c.key}` : `Disconnected ${c.clientId}`);
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast((e as Error).message, true);
    }
  }

  const list = rows ?? [];
  return html`<section aria-labelledby="conn-h">
    <div class="toolbar"><div><h1 id="conn-h">Connections</h1>
      <p class="muted" id="conn-count">${rows === null ? "\u00a0" : list.length === 1 ? "1 client connected" : `${list.length} clients connected`}</p></div></div>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${rows === null && !error ? html`<${Note} kind="loading">Listing the connected clients…<//>` : null}
    ${rows !== null && list.length === 0 ? html`<${Note} kind="empty" id="conn-empty">No client is connected right now.<//>` : null}
    ${
      list.length > 0
        ? html`<div class="card table-card"><table id="connections" class="cards">
        <thead><tr>
          <th scope="col">Client ID</th><th scope="col">Listener</th><th scope="col">Authenticated by</th>
          <th scope="col">Remote address</th><th scope="col">Since</th><th scope="col">In</th><th scope="col">Out</th>
          <th scope="col"><abbr title="Subscriptions">Subs.</abbr></th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${list.map(
          (c) => html`<tr key=${c.clientId} data-client=${c.clientId}>
            <td data-label="Client ID" class="id">${c.clientId}${c.key && c.key !== c.clientId ? html` <small class="muted">(key ${c.key})</small>` : null}</td>
            <td data-label="Listener">${LISTENER[c.listener] ?? c.listener}</td>
            <td data-label="Authenticated by">${c.authMethod}</td>
            <td data-label="Remote address"><code>${c.remoteAddress}</code></td>
            <td data-label="Since" title=${fmtDate(c.since)}>${ago(c.since)}</td>
            <td data-label="In" class="num">${num(c.messagesIn)}</td>
            <td data-label="Out" class="num">${num(c.messagesOut)}</td>
            <td data-label="Subscriptions" class="num">${num(c.subscriptions)}</td>
            <td class="actions" data-label="">
              <button class="btn small" type="button" aria-label=${`Disconnect ${c.clientId}`} onClick=${() => disconnect(c, false)}>Disconnect</button>
              ${
                c.key
                  ? html` <button class="btn small link-danger" type="button" aria-label=${`Disconnect ${c.clientId} and revoke key ${c.key}`}
                onClick=${() => disconnect(c, true)}>Disconnect and revoke</button>`
                  : null
              }
            </td></tr>`,
        )}</tbody></table></div>`
        : null
    }
  </section>`;
}
