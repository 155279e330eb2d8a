// neo web UI: sign in, list client keys, generate one (shown once, with a zip),
// revoke and delete. Plain DOM; talks to /web/api/* with a bearer session token kept
// in sessionStorage (gone when the tab closes).

// the shape GET /web/api/keys returns, from the server's own definition (type only: erased in the bundle)
type KeyRow = import("../src/web/keys-api.ts").KeyView;
interface ApiReply {
  success: boolean;
  reason: string;
  [k: string]: unknown;
}
interface Generated extends ApiReply {
  serverKey: string;
  certificate: string;
  privateKey: string;
  token: string;
  zip: string;
}

import { ago, busy, confirmDialog, copy, dateInput, download, el, fmtDate, h, showError, toast } from "./ui-kit.ts";

const API = "/web/api";
const SESSION_KEY = "neo.session";

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let session = sessionStorage.getItem(SESSION_KEY) ?? "";

async function api<T extends ApiReply>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let reply: ApiReply;
  try {
    reply = (await res.json()) as ApiReply;
  } catch {
    throw new ApiError(res.status, `server answered ${res.status}`);
  }
  if (res.status === 401 && path !== "/login") {
    showLogin("Your session ended. Please sign in again.");
    throw new ApiError(401, reply.reason);
  }
  if (!res.ok || !reply.success) throw new ApiError(res.status, reply.reason || `server answered ${res.status}`);
  return reply as T;
}

// ---------- views ----------
function showLogin(message?: string): void {
  session = "";
  sessionStorage.removeItem(SESSION_KEY);
  for (const d of document.querySelectorAll("dialog")) d.close();
  el("main-view").hidden = true;
  el("login-view").hidden = false;
  showError("login-error", message ?? null);
  el<HTMLInputElement>("login-password").value = "";
  el<HTMLInputElement>(el<HTMLInputElement>("login-name").value ? "login-password" : "login-name").focus();
}

async function showMain(user: string): Promise<void> {
  el("login-view").hidden = true;
  el("main-view").hidden = false;
  el("who").textContent = user;
  await refresh();
}

const STATUS_TEXT: Record<KeyRow["status"], string> = {
  active: "Active",
  revoked: "Revoked",
  expired: "Expired",
  pending: "Not yet valid",
};

function renderKeys(rows: KeyRow[]): void {
  const body = el("keys-body");
  body.replaceChildren(
    ...rows.map((k) => {
      const actions = h("td", { className: "actions" });
      if (k.status !== "revoked") {
        const revoke = h("button", { className: "btn small", type: "button", textContent: "Revoke" });
        revoke.onclick = () => revokeKey(k.id);
        actions.append(revoke, " ");
      }
      const del = h("button", { className: "btn small link-danger", type: "button", textContent: "Delete" });
      del.onclick = () => deleteKey(k.id);
      actions.append(del);
      const tr = h(
        "tr",
        {},
        h("td", { className: "num", textContent: String(k.idx) }),
        h("td", { className: "id", textContent: k.id }),
        h("td", { className: "date", textContent: fmtDate(k.notBefore) }),
        h("td", { className: "date", textContent: fmtDate(k.notAfter) }),
        h("td", {}, h("span", { className: `badge ${k.status}`, textContent: STATUS_TEXT[k.status] ?? k.status })),
        h("td", { className: "date", textContent: ago(k.lastUsed) }),
        actions,
      );
      tr.dataset.id = k.id;
      const labels = ["#", "Client ID", "Valid from", "Expires", "Status", "Last used", ""];
      for (const [i, td] of [...tr.querySelectorAll("td")].entries()) td.dataset.label = labels[i] ?? "";
      return tr;
    }),
  );
  el("keys-table").hidden = rows.length === 0;
  el("empty").hidden = rows.length > 0;
  el("key-count").textContent = rows.length === 1 ? "1 key" : `${rows.length} keys`;
}

async function refresh(): Promise<void> {
  const r = await api<ApiReply & { data: KeyRow[] }>("GET", "/keys");
  renderKeys(r.data);
}

async function revokeKey(id: string): Promise<void> {
  const yes = await confirmDialog(
    `Revoke ${id}?`,
    "Its certificate and token stop working at once. The key stays listed as revoked.",
    "Revoke",
  );
  if (!yes) return;
  try {
    await api("POST", `/keys/${encodeURIComponent(id)}/revoke`);
    toast(`Revoked ${id}`);
    await refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) toast(e.message, true);
  }
}

async function deleteKey(id: string): Promise<void> {
  const yes = await confirmDialog(
    `Delete ${id}?`,
    "The key is removed; its certificate and token stop working at once. This cannot be undone.",
    "Delete",
  );
  if (!yes) return;
  try {
    await api("DELETE", `/keys/${encodeURIComponent(id)}`);
    toast(`Deleted ${id}`);
    await refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) toast(e.message, true);
  }
}

function openNewKey(): void {
  const now = new Date();
  const until = new Date(now);
  until.setFullYear(until.getFullYear() + 3);
  el<HTMLInputElement>("new-id").value = "";
  el<HTMLInputElement>("new-from").value = dateInput(now);
  el<HTMLInputElement>("new-until").value = dateInput(until);
  el<HTMLSelectElement>("new-type").value = "ec";
  showError("new-error", null);
  el<HTMLDialogElement>("new-dialog").showModal();
  el("new-id").focus();
}

/** A picked calendar day as an instant: today means "now"; other days keep the current time of day. */
function pickedTime(value: string): string | undefined {
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return undefined;
  const now = new Date();
  if (value === dateInput(now)) return undefined;
  return new Date(y, m - 1, d, now.getHours(), now.getMinutes(), now.getSeconds()).toISOString();
}

async function generate(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const id = el<HTMLInputElement>("new-id").value.trim();
  const body: Record<string, string> = { name: id, type: el<HTMLSelectElement>("new-type").value };
  const from = pickedTime(el<HTMLInputElement>("new-from").value);
  const untilRaw = el<HTMLInputElement>("new-until").value;
  if (from) body.notBefore = from;
  body.notAfter = pickedTime(untilRaw) ?? new Date().toISOString();
  showError("new-error", null);
  try {
    const r = await busy(el<HTMLButtonElement>("new-submit"), () => api<Generated>("POST", "/keys", body));
    el<HTMLDialogElement>("new-dialog").close();
    showResult(id, r);
    await refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) showError("new-error", e.message);
  }
}

function showResult(id: string, r: Generated): void {
  el("result-id").textContent = id;
  const files: [string, string, string, string][] = [
    ["Token", `${id}_token`, r.token, "token"],
    ["Client certificate", `${id}_cert.pem`, r.certificate, "pem"],
    ["Private key", `${id}_key.pem`, r.privateKey, "pem"],
    ["Server certificate (CA)", "server.pem", r.serverKey, "pem"],
  ];
  el("result-files").replaceChildren(
    ...files.map(([label, name, text, kind]) => {
      const area = h("textarea", { readOnly: true, value: text, spellcheck: false, rows: kind === "token" ? 2 : 6 });
      area.setAttribute("aria-label", label);
      const btn = h("button", { className: "btn small", type: "button", textContent: "Copy" });
      btn.onclick = () => copy(text, area);
      return h(
        "div",
        { className: `file ${kind}` },
        h("div", { className: "file-head" }, h("span", {}, label, h("code", { textContent: name })), btn),
        area,
      );
    }),
  );
  el("download-zip").onclick = () => {
    const bytes = Uint8Array.from(atob(r.zip), (c) => c.charCodeAt(0));
    download(`${id}.zip`, bytes, "application/zip");
  };
  const d = el<HTMLDialogElement>("result-dialog");
  d.showModal();
}

async function closeResult(): Promise<void> {
  // Make the reader confirm: this is the only copy of the private key and token.
  const yes = await confirmDialog(
    "Close without saving?",
    "Make sure you downloaded the zip or copied every file. They cannot be shown again.",
    "I saved them",
  );
  if (yes) {
    el("result-files").replaceChildren();
    el<HTMLDialogElement>("result-dialog").close();
  }
}

// ---------- wiring ----------
el<HTMLFormElement>("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const loginName = el<HTMLInputElement>("login-name").value.trim();
  const password = el<HTMLInputElement>("login-password").value;
  showError("login-error", null);
  try {
    const r = await busy(el<HTMLButtonElement>("login-submit"), () =>
      api<ApiReply & { accessToken: string }>("POST", "/login", { loginName, password }),
    );
    session = r.accessToken;
    sessionStorage.setItem(SESSION_KEY, session);
    sessionStorage.setItem(`${SESSION_KEY}.user`, loginName);
    el<HTMLInputElement>("login-password").value = "";
    await showMain(loginName);
  } catch (e) {
    showError("login-error", e instanceof Error ? e.message : String(e));
  }
});
el("logout").onclick = async () => {
  await api("POST", "/logout").catch(() => undefined);
  showLogin();
};
el("new-key").onclick = openNewKey;
el("new-cancel").onclick = () => el<HTMLDialogElement>("new-dialog").close();
el<HTMLFormElement>("new-form").addEventListener("submit", (ev) => void generate(ev as SubmitEvent));
el("result-close").onclick = () => void closeResult();
el<HTMLDialogElement>("result-dialog").addEventListener("cancel", (ev) => {
  ev.preventDefault();
  void closeResult();
});
el("server-cert").onclick = async () => {
  const res = await fetch(`${API}/server-cert`, { headers: { authorization: `Bearer ${session}` } });
  if (res.status === 401) return showLogin("Your session ended. Please sign in again.");
  download("server.pem", new Uint8Array(await res.arrayBuffer()), "application/x-pem-file");
};

// Start: resume a session from this tab if it is still valid.
(async () => {
  if (!session) return showLogin();
  try {
    const r = await api<ApiReply & { user: string }>("GET", "/check");
    await showMain(r.user);
  } catch {
    showLogin();
  }
})();
