// The Data page's view saved as a dashboard panel: the query shown (a table picked with its
// time range, or the SQL typed) goes into a new dashboard of the chosen domain or is added
// to one the user may change. The gateway checks the panel and the right (dashboards:create
// or dashboards:update) as for any other call.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { Dialog, toast } from "../components.ts";
import { domainPath, useDomain } from "../domain.ts";
import { html } from "../html.ts";

type Views = import("../../src/http/routes/console-views.ts").DashboardListView;
type DashboardView = import("../../src/http/routes/console-views.ts").DashboardView;
type PanelView = import("../../src/http/routes/console-views.ts").PanelView;
type TimeRangeView = import("../../src/http/routes/console-views.ts").TimeRangeView;

const NEW = "";

export function SaveToDashboard(p: { open: boolean; panel: PanelView; range?: TimeRangeView; onClose: () => void }) {
  const base = domainPath(useDomain(), "dashboards");
  const [list, setList] = useState<DashboardView[]>([]);
  const [canCreate, setCanCreate] = useState(true);
  const [target, setTarget] = useState(NEW);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!p.open) return;
    setError(null);
    gatewayCall<Views>("GET", `${base}?limit=100`)
      .then((r) => {
        const mine = (r?.dashboards ?? []).filter((d) => d.can.update);
        setList(mine);
        setCanCreate(r?.can_create ?? false);
        setTarget(r?.can_create || mine.length === 0 ? NEW : mine[0]!.id);
      })
      .catch((e) => !(e instanceof ApiError && e.status === 401) && setError((e as Error).message));
  }, [p.open, base]);
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const title = (f.elements.namedItem("title") as HTMLInputElement).value;
    const panel = { ...p.panel, title };
    try {
      let saved: DashboardView | null;
      if (target === NEW) {
        const name = (f.elements.namedItem("name") as HTMLInputElement).value;
        saved = await gatewayCall("POST", base, { name, panels: [panel], ...(p.range ? { time_range: p.range } : {}) });
      } else {
        const d = list.find((x) => x.id === target)!;
        saved = await gatewayCall("PATCH", `${base}/${encodeURIComponent(d.id)}`, { panels: [...d.panels, panel] });
      }
      p.onClose();
      toast(`Saved to ${saved?.name ?? "the dashboard"}`);
      if (saved) location.hash = `#/dashboards?id=${encodeURIComponent(saved.id)}`;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError((e as Error).message);
    }
  }
  return html`<${Dialog} id="save-dashboard-dialog" open=${p.open} title="Save as a dashboard panel" onClose=${p.onClose}>
    <form method="dialog" onSubmit=${submit}>
      <label>Panel title <input id="save-title" name="title" maxlength="256" value=${p.panel.title} /></label>
      <label>Dashboard <select id="save-target" value=${target} onChange=${(e: Event) => setTarget((e.currentTarget as HTMLSelectElement).value)}>
        ${canCreate ? html`<option value=${NEW}>A new dashboard…</option>` : null}
        ${list.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
      </select></label>
      ${target === NEW ? html`<label>New dashboard's name <input id="save-name" name="name" required maxlength="256" /></label>` : null}
      ${error ? html`<p id="save-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button id="save-dashboard" class="btn primary" type="submit">Save</button>
      </div>
    </form>
  <//>`;
}
