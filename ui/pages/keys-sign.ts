// "Sign CSR" on the Keys page: a device that made its own key (openssl req, a TPM, a secure
// element) sends only its PKCS#10 request; the gateway CA signs it for a client, as
// `neo shell key sign` does (POST /web/api/keys/<id>/sign). The private key never comes here.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { Dialog, toast } from "../components.ts";
import { copyText, download } from "../format.ts";
import { html } from "../html.ts";

interface Signed extends ApiReply {
  id: string;
  certPem: string;
  /** only for a client created now: shown once */
  token?: string;
}

/** the request as the server takes it: PEM text as is, a DER file as base64 */
async function csrText(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  if (text.includes("-----BEGIN")) return text;
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function SignCsrDialog(p: { open: boolean; onClose: () => void; onSigned: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [signed, setSigned] = useState<Signed | null>(null);
  useEffect(() => {
    if (p.open) {
      setError(null);
      setSigned(null);
    }
  }, [p.open]);
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const id = (f.elements.namedItem("id") as HTMLInputElement).value.trim();
    const file = (f.elements.namedItem("csr") as HTMLInputElement).files?.[0];
    const days = Number((f.elements.namedItem("days") as HTMLInputElement).value);
    if (!file) return setError("Choose the device's certificate request (.csr).");
    setError(null);
    setBusy(true);
    try {
      const csr = await csrText(file);
      setSigned(await api<Signed>("POST", `/keys/${encodeURIComponent(id)}/sign`, { csr, days }));
      p.onSigned();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  if (signed)
    return html`<${Dialog} id="sign-dialog" wide open=${p.open} title=${`Certificate for ${signed.id}`} onClose=${p.onClose}>
      ${
        signed.token
          ? html`<p class="warn" role="note"><strong>New client:</strong> copy its token now, it is not shown again.</p>
        <textarea id="sign-token" readOnly rows="2" aria-label="Token" value=${signed.token}></textarea>`
          : null
      }
      <textarea id="sign-cert" readOnly spellcheck=${false} rows="10" aria-label="Certificate" value=${signed.certPem}></textarea>
      <div class="dialog-actions split">
        <button class="btn" type="button" onClick=${() => copyText(signed.certPem, null).then(() => toast("Copied to clipboard"))}>Copy</button>
        <button id="sign-download" class="btn primary" type="button"
          onClick=${() => download(`${signed.id}_cert.pem`, signed.certPem, "application/x-pem-file")}>
          Download .pem</button>
        <button id="sign-close" class="btn" type="button" onClick=${p.onClose}>Done</button>
      </div>
    <//>`;
  return html`<${Dialog} id="sign-dialog" open=${p.open} title="Sign a certificate request" onClose=${p.onClose}>
    <form id="sign-form" method="dialog" onSubmit=${submit}>
      <p class="muted">The device keeps its private key: upload only its request, e.g. from
        <code>openssl req -new -key device.key -out device.csr</code>.</p>
      <label>Client ID
        <input id="sign-id" name="id" required maxlength="64" pattern="[a-z0-9][a-z0-9_.@\\-]{0,63}" spellcheck="false"
          autocapitalize="off" autocomplete="off" placeholder="e.g. sensor-01" aria-describedby="sign-id-hint" />
        <small id="sign-id-hint" class="muted">An existing key keeps its token and scopes; a new id becomes a new key.</small>
      </label>
      <label>Certificate request (PEM or DER)
        <input id="sign-csr" name="csr" type="file" accept=".csr,.pem,.der,.req" required /></label>
      <label>Valid for (days) <input id="sign-days" name="days" type="number" min="1" max="36500" value="1095" required /></label>
      ${error ? html`<p id="sign-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button class="btn primary" type="submit" id="sign-submit" disabled=${busy}>Sign</button>
      </div>
    </form>
  <//>`;
}
