// Settings: the resolved configuration (secrets are never sent) and the CA certificate.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { Note } from "../components.ts";
import { html } from "../html.ts";
import { saveServerCert } from "./keys.ts";

export function SettingsPage() {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<ApiReply & { data: { config: string } }>("GET", "/console/settings")
      .then((r) => setText(r.data.config))
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) setError(`The configuration could not be read: ${e.message}`);
      });
  }, []);
  return html`<section aria-labelledby="set-h">
    <div class="toolbar">
      <div><h1 id="set-h">Settings</h1>
        <p class="muted">The configuration in force: defaults, then the config file, then <code>NEO_*</code> environment
          and flags. Secrets are not shown. Change it in the file and send SIGHUP (or restart).</p></div>
      <div class="toolbar-actions">
        <button id="ca-download" class="btn" type="button" onClick=${saveServerCert}>Download CA certificate</button>
      </div>
    </div>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${text === null && !error ? html`<${Note} kind="loading">Reading the configuration…<//>` : null}
    ${text !== null ? html`<pre class="card pad config" id="config" tabindex="0" aria-label="Resolved configuration">${text}</pre>` : null}
  </section>`;
}
