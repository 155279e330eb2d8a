// Dashboards (SuperMQ's, per domain; machbase-neo's time-series charts): the chosen domain's
// dashboards the signed-in user is shown (their own and those shared with them), a new one,
// and one opened (#/dashboards?id=<id>) with its panels, time range and refresh. Buttons
// the user's scopes do not allow are not shown; the gateway decides every request anyway.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { Note } from "../components.ts";
import { domainPath, useDomain } from "../domain.ts";
import { fmtDate } from "../format.ts";
import { html } from "../html.ts";
import { DashboardEditor } from "./dashboard-edit.ts";
import { DashboardBoard } from "./dashboard-view.ts";

type DashboardView = import("../../src/http/routes/console-views.ts").DashboardView;
type DashboardListView = import("../../src/http/routes/console-views.ts").DashboardListView;

/** what the hash asks for: the list, a new dashboard, or one dashboard (viewed or edited) */
type Where = { at: "list" } | { at: "new" } | { at: "view" | "edit"; id: string };

function whereFromHash(): Where {
  const q = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const id = q.get("id");
  if (q.has("new")) return { at: "new" };
  if (id) return { at: q.has("edit") ? "edit" : "view", id };
  return { at: "list" };
}

const go = (q = "") => {
  location.hash = `#/dashboards${q ? `?${q}` : ""}`;
};

function DashboardList(p: { base: string }) {
  const [list, setList] = useState<DashboardListView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setList(null);
    setError(null);
    gatewayCall<DashboardListView>("GET", `${p.base}?limit=100`)
      .then(setList)
      .catch((e) => !(e instanceof ApiError && e.status === 401) && setError((e as Error).message));
  }, [p.base]);
  return html`<section aria-labelledby="dashboards-h">
    <div class="toolbar"><div><h1 id="dashboards-h">Dashboards</h1>
      <p class="muted">Time-series charts saved per domain, shared with its members; each viewer reads the data with their own rights.</p></div>
      <div class="toolbar-actions">${
        list?.can_create
          ? html`<button id="dashboard-new" class="btn primary" type="button" onClick=${() => go("new")}>New dashboard</button>`
          : null
      }</div></div>
    ${error ? html`<${Note} kind="error" id="dashboards-error">The dashboards could not be listed: ${error}<//>` : null}
    ${!list && !error ? html`<${Note} kind="loading">Listing the dashboards…<//>` : null}
    ${list && list.dashboards.length === 0 ? html`<${Note} kind="empty" id="dashboards-empty">There are no dashboards here yet.<//>` : null}
    ${
      list && list.dashboards.length > 0
        ? html`<div class="card table-card"><table class="cards" id="dashboards">
          <thead><tr><th scope="col">Name</th><th scope="col">Panels</th><th scope="col">Owner</th><th scope="col">Shared</th><th scope="col">Changed</th></tr></thead>
          <tbody>${list.dashboards.map(
            (d: DashboardView) => html`<tr key=${d.id} data-dashboard=${d.id}>
              <td data-label="Name">${
                // listed only (dashboards:list without read): named, not opened
                d.can.read ? html`<a href=${`#/dashboards?id=${encodeURIComponent(d.id)}`}>${d.name}</a>` : d.name
              }
                ${d.description ? html`<br /><small class="muted">${d.description}</small>` : null}</td>
              <td data-label="Panels" class="count">${d.panels.length}</td>
              <td data-label="Owner">${d.owner}</td>
              <td data-label="Shared">${d.shared.members ? "domain members" : d.shared.users.length ? d.shared.users.join(", ") : "no"}</td>
              <td data-label="Changed">${fmtDate(Date.parse(d.updated_at ?? d.created_at))}</td></tr>`,
          )}</tbody></table></div>`
        : null
    }
  </section>`;
}

export function DashboardsPage() {
  const domain = useDomain();
  const base = domainPath(domain, "dashboards");
  const [where, setWhere] = useState<Where>(whereFromHash());
  const [editing, setEditing] = useState<DashboardView | null>(null);
  useEffect(() => {
    const on = () => setWhere(whereFromHash());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  // another domain chosen: back to its list
  const [shownDomain, setShownDomain] = useState(domain);
  useEffect(() => {
    if (domain !== shownDomain) {
      setShownDomain(domain);
      go();
    }
  }, [domain]);
  const open = (d: DashboardView) => go(`id=${encodeURIComponent(d.id)}`);
  // a reload on ?id=<id>&edit: the dashboard is read again before its editor opens
  useEffect(() => {
    if (where.at !== "edit" || editing?.id === where.id) return;
    gatewayCall<DashboardView>("GET", `${base}/${encodeURIComponent(where.id)}`)
      .then((d) => d && (d.can.update ? setEditing(d) : open(d)))
      .catch(() => go(`id=${encodeURIComponent(where.id)}`));
  }, [where, base]);
  if (where.at === "new")
    return html`<${DashboardEditor} key="new" base=${base} initial=${null} onSaved=${open} onCancel=${() => go()} />`;
  if (where.at === "edit" && editing?.id === where.id)
    return html`<${DashboardEditor} key=${`edit-${where.id}`} base=${base} initial=${editing} onSaved=${open} onCancel=${() => open(editing)} />`;
  if (where.at === "edit") return html`<${Note} kind="loading">Opening the dashboard…<//>`;
  if (where.at === "view")
    return html`<${DashboardBoard} key=${`${domain}/${where.id}`} base=${base} id=${where.id} onBack=${() => go()}
      onEdit=${(d: DashboardView) => {
        setEditing(d);
        go(`id=${encodeURIComponent(d.id)}&edit`);
      }} />`;
  return html`<${DashboardList} key=${domain} base=${base} />`;
}
