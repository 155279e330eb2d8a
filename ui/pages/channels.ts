// Channels (Mainflux/Magistrala's): list, create, delete; connect a client key to a
// channel (publish, subscribe or both) and disconnect it. The same operations as
// `neo shell channel`, over /web/api/channels.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { confirmDialog, Dialog, Note, toast } from "../components.ts";
import { fmtDate } from "../format.ts";
import { html } from "../html.ts";

interface Channel {
  id: string;
  name: string;
  table: string;
  createdAt: string;
  connections: { clientId: string; publish: boolean; subscribe: boolean }[];
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function NewChannelDialog(p: { open: boolean; onClose: () => void; onCreated: (c: Channel) => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (p.open) setError(null);
  }, [p.open]);
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const val = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value.trim();
    try {
      const r = await api<ApiReply & { data: Channel }>("POST", "/channels", {
        id: val("id"),
        ...(val("name") ? { name: val("name") } : {}),
        ...(val("table") ? { table: val("table") } : {}),
      });
      p.onCreated(r.data);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(errorText(e));
    }
  }
  return html`<${Dialog} id="channel-new-dialog" open=${p.open} title="New channel" onClose=${p.onClose}>
    <form method="dialog" onSubmit=${submit}>
      <label>Channel ID <input id="channel-id" name="id" required maxlength="128" autocomplete="off" spellcheck="false" autofocus
        aria-describedby="channel-id-hint" /><small id="channel-id-hint" class="muted">Letters, digits and <code>_ . -</code>;
        clients publish to <code>channels/${"<id>"}/messages</code>.</small></label>
      <label>Name <input id="channel-name" name="name" maxlength="254" autocomplete="off" /></label>
      <label>Table <input id="channel-table" name="table" maxlength="63" autocomplete="off" spellcheck="false"
        aria-describedby="channel-table-hint" /><small id="channel-table-hint" class="muted">Where its SenML is stored; empty for the default.</small></label>
      ${error ? html`<p id="channel-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button id="channel-create" class="btn primary" type="submit">Create</button>
      </div>
    </form>
  <//>`;
}

function ConnectForm(p: { channel: Channel; onDone: () => void }) {
  const [client, setClient] = useState("");
  const [mode, setMode] = useState("both");
  async function connect(ev: SubmitEvent) {
    ev.preventDefault();
    if (client.trim() === "") return toast("Enter the client key to connect, for example sensor-01.", true);
    try {
      await api("POST", `/channels/${encodeURIComponent(p.channel.id)}/connect`, {
        client: client.trim(),
        ...(mode === "both" ? {} : { publish: mode === "publish", subscribe: mode === "subscribe" }),
      });
      toast(`Connected ${client.trim()} to ${p.channel.id}`);
      setClient("");
      p.onDone();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast(errorText(e), true);
    }
  }
  return html`<form class="row-actions" onSubmit=${connect} aria-label=${`Connect a client to ${p.channel.id}`}>
    <label class="inline grow">Client key
      <input class="connect-client" value=${client} spellcheck="false" autocapitalize="off" placeholder="e.g. sensor-01"
        onInput=${(e: Event) => setClient((e.currentTarget as HTMLInputElement).value)} /></label>
    <label class="inline">May
      <select class="connect-mode" value=${mode} onChange=${(e: Event) => setMode((e.currentTarget as HTMLSelectElement).value)}>
        <option value="both">publish and subscribe</option><option value="publish">publish</option><option value="subscribe">subscribe</option>
      </select></label>
    <button class="btn small" type="submit">Connect</button>
  </form>`;
}

export function ChannelsPage() {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newOpen, setNewOpen] = useState(false);

  async function refresh() {
    try {
      setChannels((await api<ApiReply & { data: Channel[] }>("GET", "/channels")).data);
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(`The channels could not be listed: ${errorText(e)}`);
    }
  }
  useEffect(() => {
    void refresh();
  }, []);

  async function remove(c: Channel) {
    const yes = await confirmDialog(
      `Delete channel ${c.id}?`,
      "Every client is disconnected from it; the rows it stored stay in its table.",
      "Delete channel",
    );
    if (!yes) return;
    try {
      await api("DELETE", `/channels/${encodeURIComponent(c.id)}`);
      toast(`Deleted ${c.id}`);
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast(errorText(e), true);
    }
  }
  async function disconnect(c: Channel, client: string) {
    try {
      await api("POST", `/channels/${encodeURIComponent(c.id)}/disconnect`, { client });
      toast(`Disconnected ${client} from ${c.id}`);
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast(errorText(e), true);
    }
  }

  return html`<section aria-labelledby="ch-h">
    <div class="toolbar">
      <div><h1 id="ch-h">Channels</h1>
        <p class="muted">Clients connected to a channel may publish SenML to <code>channels/${"<id>"}/messages</code> over
          MQTT, HTTP or WebSocket, or subscribe to it.</p></div>
      <div class="toolbar-actions">
        <button id="channel-new" class="btn primary" type="button" onClick=${() => setNewOpen(true)}><span aria-hidden="true">+</span> New channel</button>
      </div>
    </div>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${channels === null && !error ? html`<${Note} kind="loading">Listing the channels…<//>` : null}
    ${channels && channels.length === 0 ? html`<${Note} kind="empty" id="channels-empty">There are no channels yet.<//>` : null}
    ${(channels ?? []).map(
      (c) => html`<article class="card pad channel" key=${c.id} data-channel=${c.id} aria-labelledby=${`ch-${c.id}`}>
        <div class="toolbar">
          <div><h2 id=${`ch-${c.id}`}>${c.name || c.id}</h2>
            <p class="muted"><code>${c.id}</code> · table <code>${c.table}</code> · created ${fmtDate(Date.parse(c.createdAt))}</p></div>
          <button class="btn small link-danger" type="button" aria-label=${`Delete channel ${c.id}`} onClick=${() => remove(c)}>Delete</button>
        </div>
        ${
          c.connections.length === 0
            ? html`<p class="muted">No client is connected.</p>`
            : html`<ul class="connections">${c.connections.map(
                (x) => html`<li key=${x.clientId} data-client=${x.clientId}><code>${x.clientId}</code>
                  <span class="muted">${x.publish && x.subscribe ? "publish and subscribe" : x.publish ? "publish" : "subscribe"}</span>
                  <button class="btn small ghost" type="button" aria-label=${`Disconnect ${x.clientId} from channel ${c.id}`}
                    onClick=${() => disconnect(c, x.clientId)}>Disconnect</button></li>`,
              )}</ul>`
        }
        <${ConnectForm} channel=${c} onDone=${refresh} />
      </article>`,
    )}
    <${NewChannelDialog} open=${newOpen} onClose=${() => setNewOpen(false)} onCreated=${(c: Channel) => {
      setNewOpen(false);
      toast(`Created ${c.id}`);
      void refresh();
    }} />
  </section>`;
}
