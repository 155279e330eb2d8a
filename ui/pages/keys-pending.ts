// "Waiting for approval" on the Keys page: certificates of a pinned company CA (Tls.TrustedCA
// Policy "pinned") that named a registered client at their first connect and were refused.
// Approve registers one as its client's certificate (the device's next connect works), Reject
// drops it: POST /web/api/keys/pending/<fingerprint>/approve|reject. The API decides
// (keys:create:<client>); this only shows and asks. Hidden while nothing waits.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { confirmDialog, toast } from "../components.ts";
import { ago } from "../format.ts";
import { html } from "../html.ts";

interface Pending {
  clientId: string;
  ca: string;
  fingerprint: string;
  subject: string;
  serial: string;
  notAfter: string;
  firstSeen: string;
  lastSeen: string;
  address: string;
}

const LABELS = ["Client", "CA", "Subject", "Fingerprint (SHA-256)", "Last seen", "From", ""];

export function PendingCerts(p: { onChange: () => void }) {
  const [rows, setRows] = useState<Pending[]>([]);
  async function refresh() {
    try {
      setRows((await api<ApiReply & { data: Pending[] }>("GET", "/keys/pending")).data);
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 401 || e.status === 403)))
        toast(`Pending certificates could not be loaded: ${(e as Error).message}`, true);
    }
  }
  useEffect(() => {
    void refresh();
  }, []);

  async function act(verb: "Approve" | "Reject", r: Pending) {
    const yes = await confirmDialog(
      `${verb} the certificate for ${r.clientId}?`,
      verb === "Approve"
        ? `It becomes ${r.clientId}'s certificate (the current one is retired) and the device connects next time. Subject: ${r.subject}. SHA-256: ${r.fingerprint}.`
        : "It is dropped from this list and stays refused. A device that keeps trying is listed again.",
      verb,
    );
    if (!yes) return;
    try {
      await api("POST", `/keys/pending/${r.fingerprint}/${verb.toLowerCase()}`);
      toast(`${verb === "Approve" ? "Approved" : "Rejected"} the certificate for ${r.clientId}`);
      await refresh();
      p.onChange();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast((e as Error).message, true);
    }
  }

  if (rows.length === 0) return null;
  return html`<div class="card table-card" id="pending-card">
    <h2 id="pending-h">Waiting for approval <span class="badge pending">${rows.length}</span></h2>
    <p class="muted">Certificates of a pinned company CA that named a client here but are not registered yet.</p>
    <table id="pending-table" class="keys cards" aria-labelledby="pending-h">
      <thead>
        <tr>${LABELS.map((l) => html`<th scope="col">${l || html`<span class="sr-only">Actions</span>`}</th>`)}</tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) => html`<tr key=${r.fingerprint} data-fingerprint=${r.fingerprint}>
            <td class="id" data-label=${LABELS[0]}>${r.clientId}</td>
            <td data-label=${LABELS[1]}>${r.ca}</td>
            <td data-label=${LABELS[2]}>${r.subject}</td>
            <td data-label=${LABELS[3]} title=${r.fingerprint}><code>${r.fingerprint.slice(0, 16)}…</code></td>
            <td class="date" data-label=${LABELS[4]}>${ago(Date.parse(r.lastSeen))}</td>
            <td data-label=${LABELS[5]}>${r.address || "-"}</td>
            <td class="actions" data-label="">
              <button class="btn small primary" type="button" aria-label=${`Approve the certificate for ${r.clientId}`}
                onClick=${() => act("Approve", r)}>Approve</button>
              <button class="btn small link-danger" type="button" aria-label=${`Reject the certificate for ${r.clientId}`}
                onClick=${() => act("Reject", r)}>Reject</button>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
