// Connect a client of the domain to one of its channels, or disconnect it (SuperMQ's
// POST /<domain>/channels/<id>/connect|disconnect {"client_ids","types"}): the Channels page
// in a domain other than the default one, for whoever may (channels:connect|disconnect).
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { Dialog, toast } from "../components.ts";
import { html } from "../html.ts";

interface Named {
  id: string;
  name: string;
}

const TYPES: Record<string, string[]> = {
  both: ["publish", "subscribe"],
  publish: ["publish"],
  subscribe: ["subscribe"],
};

export function ConnectDialog(p: { domain: string; channel: Named | null; onClose: () => void }) {
  const [clients, setClients] = useState<Named[] | null>(null);
  const [client, setClient] = useState("");
  const [mode, setMode] = useState("both");
  const [error, setError] = useState<string | null>(null);
  const base = `/${encodeURIComponent(p.domain)}`;
  useEffect(() => {
    if (!p.channel) return;
    setError(null);
    gatewayCall<{ clients: Named[] }>("GET", `${base}/clients?limit=100`)
      .then((r) => {
        const list = r?.clients ?? [];
        setClients(list);
        setClient((c) => c || list[0]?.id || "");
      })
      .catch((e) => setError(`This domain's clients could not be listed: ${(e as Error).message}`));
  }, [p.channel?.id]);
  async function send(to: "connect" | "disconnect") {
    if (!p.channel || !client) return;
    try {
      const path = `${base}/channels/${encodeURIComponent(p.channel.id)}/${to}`;
      await gatewayCall("POST", path, { client_ids: [client], types: TYPES[mode] });
      const who = clients?.find((c) => c.id === client)?.name || client;
      toast(`${to === "connect" ? "Connected" : "Disconnected"} ${who} (${TYPES[mode]!.join(" and ")})`);
      p.onClose();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError((e as Error).message);
    }
  }
  const title = `Connect a client to ${p.channel?.name || p.channel?.id || ""}`;
  return html`<${Dialog} id="domain-connect-dialog" open=${p.channel !== null} title=${title} onClose=${p.onClose}>
    <form method="dialog" onSubmit=${(e: Event) => {
      e.preventDefault();
      void send("connect");
    }}>
      <label>Client <select id="domain-connect-client" value=${client} required
        onChange=${(e: Event) => setClient((e.currentTarget as HTMLSelectElement).value)}>
        ${(clients ?? []).map((c) => html`<option value=${c.id}>${c.name || c.id}</option>`)}
      </select></label>
      <label>May <select id="domain-connect-types" value=${mode}
        onChange=${(e: Event) => setMode((e.currentTarget as HTMLSelectElement).value)}>
        <option value="both">publish and subscribe</option>
        <option value="publish">publish</option>
        <option value="subscribe">subscribe</option>
      </select></label>
      ${clients?.length === 0 ? html`<p class="muted">This domain has no client yet: make one on the Keys page.</p>` : null}
      ${error ? html`<p id="domain-connect-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button id="domain-disconnect" class="btn" type="button" disabled=${!client} onClick=${() => send("disconnect")}>Disconnect</button>
        <button id="domain-connect" class="btn primary" type="submit" disabled=${!client}>Connect</button>
      </div>
    </form>
  <//>`;
}
