// neo operator console: one embedded app (Preact + htm, uPlot), same login as before.
// Pages by URL hash: #/keys (default: machbase-neo's key flow), #/overview, #/data, #/live,
// #/dashboards, #/connections, #/channels, #/keys, #/groups, #/tokens, #/domains, #/audit, #/settings. Talks to /web/api/* with the session token.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  api,
  ApiError,
  type ApiReply,
  clearSession,
  currentSession,
  currentUser,
  onSignedOut,
  setSession,
} from "./api.ts";
import { ConfirmHost, ToastHost } from "./components.ts";
import { DomainSwitcher } from "./domain.ts";
import { html } from "./html.ts";
import { AuditPage } from "./pages/audit.ts";
import { ChannelsPage } from "./pages/channels.ts";
import { TokensPage } from "./pages/tokens.ts";
import { ConnectionsPage } from "./pages/connections.ts";
import { DashboardsPage } from "./pages/dashboards.ts";
import { domainAware, GroupsPage } from "./pages/domain-entities.ts";
import { DataPage } from "./pages/data.ts";
import { DomainsPage } from "./pages/domains.ts";
import { KeysPage } from "./pages/keys.ts";
import { LivePage } from "./pages/live.ts";
import { OverviewPage } from "./pages/overview.ts";
import { SettingsPage } from "./pages/settings.ts";

const PAGES = [
  { path: "overview", label: "Overview", view: OverviewPage },
  { path: "data", label: "Data", view: DataPage },
  { path: "dashboards", label: "Dashboards", view: DashboardsPage },
  { path: "live", label: "Live", view: LivePage },
  { path: "connections", label: "Connections", view: ConnectionsPage },
  { path: "channels", label: "Channels", view: domainAware(ChannelsPage, "channels") },
  { path: "keys", label: "Keys", view: domainAware(KeysPage, "clients") },
  { path: "groups", label: "Groups", view: GroupsPage },
  { path: "tokens", label: "Tokens", view: TokensPage },
  { path: "domains", label: "Domains", view: DomainsPage },
  { path: "audit", label: "Audit", view: AuditPage },
  { path: "settings", label: "Settings", view: SettingsPage },
] as const;
type PagePath = (typeof PAGES)[number]["path"];
const DEFAULT_PAGE: PagePath = "keys";

function pageFromHash(): PagePath {
  const p = location.hash.replace(/^#\/?/, "").split("?")[0] as PagePath;
  return PAGES.some((x) => x.path === p) ? p : DEFAULT_PAGE;
}

function Login(p: { message: string | null; onIn: (user: string) => void }) {
  const [error, setError] = useState<string | null>(p.message);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(p.message), [p.message]);
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const loginName = (f.elements.namedItem("username") as HTMLInputElement).value.trim();
    const pw = f.elements.namedItem("password") as HTMLInputElement;
    setError(null);
    setBusy(true);
    try {
      const r = await api<ApiReply & { accessToken: string }>("POST", "/login", { loginName, password: pw.value });
      setSession(r.accessToken, loginName);
      pw.value = "";
      p.onIn(loginName);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      pw.value = "";
      pw.focus();
    } finally {
      setBusy(false);
    }
  }
  return html`<section id="login-view" class="login">
    <form id="login-form" class="card login-card" autocomplete="on" onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title" class="brand brand-lg"><span class="logo" aria-hidden="true"></span>neo</h1>
      <p class="muted">Sign in to the gateway console.</p>
      <label>User
        <input id="login-name" name="username" autocomplete="username" required value="admin" spellcheck="false"
          autocapitalize="off" />
      </label>
      <label>Password
        <input id="login-password" name="password" type="password" autocomplete="current-password" required autofocus />
      </label>
      ${error ? html`<p id="login-error" class="error" role="alert">${error}</p>` : null}
      <button id="login-submit" class="btn primary wide" type="submit" disabled=${busy}>Sign in</button>
      <p class="hint">On first start neo writes the <code>admin</code> password to
        <code>${"<data>"}/web-admin-password</code>. Change it with <code>neo shell user passwd admin</code>.</p>
    </form>
  </section>`;
}

function Shell(p: { user: string; onOut: () => void }) {
  const [page, setPage] = useState<PagePath>(pageFromHash());
  useEffect(() => {
    const on = () => setPage(pageFromHash());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  useEffect(() => {
    const label = PAGES.find((x) => x.path === page)?.label ?? "";
    document.title = `neo · ${label}`;
  }, [page]);
  const current = PAGES.find((x) => x.path === page) ?? PAGES.find((x) => x.path === DEFAULT_PAGE)!;
  const View = current.view;
  return html`<div id="main-view">
    <a class="skip" href="#content" onClick=${(e: Event) => {
      e.preventDefault();
      document.getElementById("content")?.focus();
    }}>Skip to content</a>
    <header class="topbar">
      <div class="brand"><span class="logo" aria-hidden="true"></span>neo</div>
      <nav class="pages" aria-label="Console pages">
        ${PAGES.map(
          (
            x,
          ) => html`<a href=${`#/${x.path}`} id=${`nav-${x.path}`} aria-current=${x.path === page ? "page" : undefined}>
            ${x.label}</a>`,
        )}
      </nav>
      <div class="top-actions">
        <${DomainSwitcher} />
        <span id="who" class="muted who">${p.user}</span>
        <button id="logout" class="btn ghost" type="button" onClick=${p.onOut}>Sign out</button>
      </div>
    </header>
    <main class="content" id="content" tabindex="-1">
      <${View} key=${page} />
    </main>
  </div>`;
}

function App() {
  // undefined: checking a session from this tab
  const [user, setUser] = useState<string | null | undefined>(currentSession() ? undefined : null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    onSignedOut((m) => {
      for (const d of document.querySelectorAll("dialog")) d.close();
      setMessage(m ?? null);
      setUser(null);
    });
    if (user !== undefined) return;
    api<ApiReply & { user: string }>("GET", "/check")
      .then((r) => setUser(r.user || currentUser()))
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) setMessage(null);
        clearSession();
        setUser(null);
      });
  }, []);
  async function signOut() {
    await api("POST", "/logout").catch(() => undefined);
    clearSession();
    setMessage(null);
    setUser(null);
  }
  return html`
    ${user === undefined ? html`<p class="note loading" role="status">Checking your session…</p>` : null}
    ${user === null ? html`<${Login} message=${message} onIn=${(u: string) => setUser(u)} />` : null}
    ${user ? html`<${Shell} user=${user} onOut=${signOut} />` : null}
    <${ConfirmHost} />
    <${ToastHost} />
  `;
}

const root = document.getElementById("app");
if (root) render(html`<${App} />`, root);
