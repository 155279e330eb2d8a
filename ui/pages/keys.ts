// Client keys (machbase-neo's key flow, unchanged): list, generate (cert, key and token shown
// once, with a zip), revoke, delete, and the CA certificate for clients' --cafile.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, apiFile, type ApiReply } from "../api.ts";
import { confirmDialog, Dialog, Note, toast } from "../components.ts";
import { ago, copyText, dateInput, download, fmtDate } from "../format.ts";
import { html } from "../html.ts";
import { PendingCerts } from "./keys-pending.ts";
import { SignCsrDialog } from "./keys-sign.ts";

// the shape GET /web/api/keys returns, from the server's own definition (type only)
type KeyRow = import("../../src/http/routes/console-views.ts").KeyView;
interface Generated extends ApiReply {
  serverKey: string;
  certificate: string;
  privateKey: string;
  token: string;
  zip: string;
}

const STATUS_TEXT: Record<KeyRow["status"], string> = {
  active: "Active",
  revoked: "Revoked",
  expired: "Expired",
  pending: "Not yet valid",
};
const LABELS = ["#", "Client ID", "Valid from", "Expires", "Status", "Last used", ""];

/** the CA certificate, saved only when the gateway really sent a certificate */
export async function saveServerCert(): Promise<void> {
  try {
    const pem = await apiFile("/server-cert", /pem|x509/);
    if (!new TextDecoder().decode(pem.subarray(0, 64)).startsWith("-----BEGIN CERTIFICATE-----"))
      throw new ApiError(500, "The gateway sent something that is not a certificate; nothing was saved.");
    download("server.pem", pem, "application/x-pem-file");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    toast(e instanceof Error ? e.message : String(e), true);
  }
}

/** A picked calendar day as an instant: today means "now"; other days keep the current time of day. */
function pickedTime(value: string): string | undefined {
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return undefined;
  const now = new Date();
  if (value === dateInput(now)) return undefined;
  return new Date(y, m - 1, d, now.getHours(), now.getMinutes(), now.getSeconds()).toISOString();
}

function NewKeyDialog(p: { open: boolean; onClose: () => void; onCreated: (id: string, r: Generated) => void }) {
  const now = new Date();
  const until = new Date(now);
  until.setFullYear(until.getFullYear() + 3);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (p.open) setError(null);
  }, [p.open]);
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const val = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    const id = val("id").trim();
    const body: Record<string, string> = { name: id, type: val("type") };
    const from = pickedTime(val("from"));
    if (from) body.notBefore = from;
    body.notAfter = pickedTime(val("until")) ?? new Date().toISOString();
    setError(null);
    setBusy(true);
    try {
      const r = await api<Generated>("POST", "/keys", body);
      p.onCreated(id, r);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return html`<${Dialog} id="new-dialog" open=${p.open} title="New client key" onClose=${p.onClose}>
    <form id="new-form" method="dialog" onSubmit=${submit}>
      <label>Client ID
        <input id="new-id" name="id" required maxlength="64" pattern="[a-z0-9][a-z0-9_.@\\-]{0,63}" spellcheck="false"
          autocapitalize="off" autocomplete="off" placeholder="e.g. sensor-01" aria-describedby="new-id-hint" autofocus />
        <small id="new-id-hint" class="muted">Lowercase letters, digits and <code>_ . @ -</code>; must be unique.</small>
      </label>
      <div class="row2">
        <label>Valid from <input id="new-from" name="from" type="date" required value=${dateInput(now)} /></label>
        <label>Expires <input id="new-until" name="until" type="date" required value=${dateInput(until)} /></label>
      </div>
      <label>Key type
        <select id="new-type" name="type">
          <option value="ec" selected>ECDSA P-256 (recommended)</option>
          <option value="rsa">RSA 2048 (older devices)</option>
        </select>
      </label>
      ${error ? html`<p id="new-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" id="new-cancel" onClick=${p.onClose}>Cancel</button>
        <button class="btn primary" type="submit" id="new-submit" disabled=${busy}>Generate</button>
      </div>
    </form>
  <//>`;
}

function ResultDialog(p: { shown: { id: string; r: Generated } | null; onDone: () => void }) {
  const id = p.shown?.id ?? "";
  const r = p.shown?.r;
  const areas = useRef<Record<string, HTMLTextAreaElement | null>>({});
  // saved: the zip was downloaded, or every file copied; then closing needs no question
  const [zipped, setZipped] = useState(false);
  const [copied, setCopied] = useState<string[]>([]);
  useEffect(() => {
    setZipped(false);
    setCopied([]);
  }, [id, r]);
  async function close() {
    if (zipped || copied.length >= 4) return p.onDone();
    // the only copy of the private key and token: make the reader confirm
    const yes = await confirmDialog(
      "Close without saving?",
      "Make sure you downloaded the zip or copied every file. They cannot be shown again.",
      "I saved them",
    );
    if (yes) p.onDone();
  }
  const files: [string, string, string, string][] = r
    ? [
        ["Token", `${id}_token`, r.token, "token"],
        ["Client certificate", `${id}_cert.pem`, r.certificate, "pem"],
        ["Private key", `${id}_key.pem`, r.privateKey, "pem"],
        ["Server certificate (CA)", "server.pem", r.serverKey, "pem"],
      ]
    : [];
  return html`<${Dialog} id="result-dialog" wide open=${p.shown !== null} title=${html`Key for <span id="result-id">${id}</span>`}
    onClose=${() => void close()} describedBy="result-warning">
    <p id="result-warning" class="warn" role="note"><strong>Save these now.</strong> The private key and token are not
      stored on the gateway and cannot be shown again.</p>
    <div id="result-files" class="files">
      ${files.map(
        ([label, name, text, kind]) => html`<div class=${`file ${kind}`} key=${name}>
          <div class="file-head">
            <span>${label}<code>${name}</code></span>
            <button class="btn small" type="button" aria-label=${`Copy ${label}`}
              onClick=${() =>
                copyText(text, areas.current[name]).then(() => {
                  setCopied((c) => (c.includes(name) ? c : [...c, name]));
                  toast("Copied to clipboard");
                })}>Copy</button>
          </div>
          <textarea readOnly spellcheck=${false} rows=${kind === "token" ? 2 : 6} aria-label=${label}
            ref=${(a: HTMLTextAreaElement | null) => (areas.current[name] = a)} value=${text}></textarea>
        </div>`,
      )}
    </div>
    <div class="dialog-actions split">
      <button id="download-zip" class="btn primary" type="button"
        onClick=${() => {
          if (!r) return;
          download(
            `${id}.zip`,
            Uint8Array.from(atob(r.zip), (c) => c.charCodeAt(0)),
            "application/zip",
          );
          setZipped(true);
        }}>
        Download .zip</button>
      <button id="result-close" class="btn" type="button" onClick=${() => void close()}>Done</button>
    </div>
  <//>`;
}

export function KeysPage() {
  const [rows, setRows] = useState<KeyRow[] | null>(null);
  const [onlyExpiring, setOnlyExpiring] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [newOpen, setNewOpen] = useState(false);
  const [signOpen, setSignOpen] = useState(false);
  const [shown, setShown] = useState<{ id: string; r: Generated } | null>(null);

  async function refresh() {
    try {
      const r = await api<ApiReply & { data: KeyRow[] }>("GET", "/keys");
      setRows(r.data);
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401))
        setError(`The keys could not be loaded: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
  }, []);

  async function act(verb: "Revoke" | "Delete", id: string, next?: HTMLElement | null) {
    const yes = await confirmDialog(
      `${verb} ${id}?`,
      verb === "Revoke"
        ? "Its certificate and token stop working at once. The key stays listed as revoked."
        : "The key is removed; its certificate and token stop working at once. This cannot be undone.",
      verb,
    );
    if (!yes) return;
    try {
      if (verb === "Revoke") await api("POST", `/keys/${encodeURIComponent(id)}/revoke`);
      else await api("DELETE", `/keys/${encodeURIComponent(id)}`);
      toast(`${verb === "Revoke" ? "Revoked" : "Deleted"} ${id}`);
      await refresh();
      // the button that had focus may be gone: keep the keyboard user in the table
      requestAnimationFrame(() => {
        const still = document.activeElement && document.activeElement !== document.body;
        if (!still) (next ?? document.getElementById("new-key"))?.focus();
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast((e as Error).message, true);
    }
  }

  const count = rows === null ? "\u00a0" : rows.length === 1 ? "1 key" : `${rows.length} keys`;
  return html`<section aria-labelledby="keys-h">
    <div class="toolbar">
      <div>
        <h1 id="keys-h">Client keys</h1>
        <p class="muted" id="key-count">${count}</p>
      </div>
      <div class="toolbar-actions">
        <label class="check"><input id="only-expiring" type="checkbox" checked=${onlyExpiring}
          onChange=${(e: Event) => setOnlyExpiring((e.currentTarget as HTMLInputElement).checked)} /> Expiring only</label>
        <button id="server-cert" class="btn" type="button" title="CA certificate for clients' --cafile"
          onClick=${saveServerCert}>Server cert</button>
        <button id="sign-csr-open" class="btn" type="button" title="Sign a device's CSR (its key stays on the device)"
          onClick=${() => setSignOpen(true)}>Sign CSR</button>
        <button id="new-key" class="btn primary" type="button" onClick=${() => setNewOpen(true)}>
          <span aria-hidden="true">+</span> New key</button>
      </div>
    </div>
    <${PendingCerts} onChange=${() => void refresh()} />
    <div class="card table-card">
      ${error ? html`<${Note} kind="error">${error}<//>` : null}
      ${rows === null && !error ? html`<${Note} kind="loading">Loading the client keys…<//>` : null}
      <table id="keys-table" class="keys cards" hidden=${!rows || rows.length === 0}>
        <caption class="sr-only">Client keys</caption>
        <thead>
          <tr>${LABELS.map((l) => html`<th scope="col">${l || html`<span class="sr-only">Actions</span>`}</th>`)}</tr>
        </thead>
        <tbody id="keys-body">
          ${(rows ?? [])
            .filter((k) => !onlyExpiring || k.expiring)
            .map(
              (k) => html`<tr key=${k.id} data-id=${k.id}>
              <td class="num" data-label=${LABELS[0]}>${k.idx}</td>
              <td class="id" data-label=${LABELS[1]}>${k.id}</td>
              <td class="date" data-label=${LABELS[2]}>${fmtDate(k.notBefore)}</td>
              <td class="date" data-label=${LABELS[3]}>${fmtDate(k.notAfter)}</td>
              <td data-label=${LABELS[4]}><span class=${`badge ${k.status}`}>${STATUS_TEXT[k.status] ?? k.status}</span>${
                k.expiring
                  ? html` <span class="badge expiring" title="expires within 30 days: renew it">Expiring</span>`
                  : null
              }</td>
              <td class="date" data-label=${LABELS[5]}>${ago(k.lastUsed)}</td>
              <td class="actions" data-label="">
                ${
                  k.status !== "revoked"
                    ? html`<button class="btn small" type="button" aria-label=${`Revoke key ${k.id}`}
                        onClick=${(e: MouseEvent) =>
                          act(
                            "Revoke",
                            k.id,
                            (e.currentTarget as HTMLElement).nextElementSibling as HTMLElement,
                          )}>Revoke</button> `
                    : null
                }<button class="btn small link-danger" type="button" aria-label=${`Delete key ${k.id}`}
                  onClick=${() => act("Delete", k.id)}>Delete</button>
              </td>
            </tr>`,
            )}
        </tbody>
      </table>
      ${
        rows && rows.length === 0
          ? html`<div id="empty" class="empty">
              <p><strong>No client keys yet.</strong></p>
              <p class="muted">Generate one for each device or application that connects to this gateway.</p>
            </div>`
          : null
      }
    </div>
    <${NewKeyDialog} open=${newOpen} onClose=${() => setNewOpen(false)} onCreated=${(id: string, r: Generated) => {
      setNewOpen(false);
      setShown({ id, r });
      void refresh();
    }} />
    <${ResultDialog} shown=${shown} onDone=${() => setShown(null)} />
    <${SignCsrDialog} open=${signOpen} onClose=${() => setSignOpen(false)} onSigned=${() => void refresh()} />
  </section>`;
}
