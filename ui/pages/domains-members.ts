// One domain's members (Domains page): each with its role; for whoever may manage them
// (`domains:members` in GET /domains' actions: the domain's admins, a global operator)
// a role change, Remove, an invitation form and the pending invitations with Revoke, over
// SuperMQ's role and invitation routes. The gateway decides each request.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { confirmDialog, Note, toast } from "../components.ts";
import { fmtDate } from "../format.ts";
import { html } from "../html.ts";

type DomainView = import("../../src/http/routes/console-views.ts").DomainView;
type MemberView = import("../../src/http/routes/console-views.ts").MemberView;
type InvitationView = import("../../src/http/routes/console-views.ts").InvitationView;

const ROLES = ["member", "admin"] as const;
const quiet = (e: unknown) => e instanceof ApiError && e.status === 401;
const fail = (e: unknown) => !quiet(e) && toast((e as Error).message, true);

export function DomainMembers(p: { domain: DomainView; onChanged: () => void }) {
  const d = p.domain;
  const base = `/domains/${encodeURIComponent(d.id)}`;
  const manage = d.actions.includes("domains:members");
  const [members, setMembers] = useState<MemberView[] | null>(null);
  const [invites, setInvites] = useState<InvitationView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [invitee, setInvitee] = useState("");
  const [role, setRole] = useState<string>("member");
  async function refresh() {
    try {
      const m = await gatewayCall<{ members: MemberView[] }>("GET", `${base}/roles/members?limit=100`);
      setMembers(m?.members ?? []);
      if (manage) {
        const i = await gatewayCall<{ invitations: InvitationView[] }>(
          "GET",
          `${base}/invitations?state=pending&limit=100`,
        );
        setInvites(i?.invitations ?? []);
      }
      setError(null);
    } catch (e) {
      if (!quiet(e)) setError(`The members of ${d.name} could not be listed: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
  }, [base]);
  async function act(done: string, call: () => Promise<unknown>) {
    try {
      await call();
      toast(done);
      await refresh();
      p.onChanged();
    } catch (e) {
      fail(e);
    }
  }
  const roleOf = (m: MemberView) => m.roles[0]?.role_name ?? "";
  const setMemberRole = (m: MemberView, to: string) =>
    act(`${m.member_name} is now ${to}`, () =>
      gatewayCall("POST", `${base}/roles/${to}/members`, { members: [m.member_id] }),
    );
  async function remove(m: MemberView) {
    if (
      !(await confirmDialog(
        `Remove ${m.member_name} from ${d.name}?`,
        "They lose every right in this domain at once.",
        "Remove",
      ))
    )
      return;
    await act(`Removed ${m.member_name}`, () =>
      gatewayCall("POST", `${base}/roles/${roleOf(m)}/members/delete`, { members: [m.member_id] }),
    );
  }
  async function invite(ev: SubmitEvent) {
    ev.preventDefault();
    const who = invitee.trim();
    await act(`Invited ${who} as ${role}`, async () => {
      await gatewayCall("POST", `${base}/invitations`, { invitee_user_id: who, role_id: role });
      setInvitee("");
    });
  }
  const revoke = (i: InvitationView) =>
    act(`Revoked the invitation of ${i.invitee_name}`, () =>
      gatewayCall("DELETE", `${base}/invitations`, { user_id: i.invitee_user_id }),
    );
  return html`<section class="card pad" id="domain-members-panel" aria-labelledby="domain-members-h">
    <h2 id="domain-members-h">Members of ${d.name}</h2>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${members === null && !error ? html`<${Note} kind="loading">Listing…<//>` : null}
    ${members?.length === 0 ? html`<${Note} kind="empty">This domain has no members yet.<//>` : null}
    ${
      members && members.length > 0
        ? html`<table class="cards" id="domain-members">
          <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${members.map(
            (m) => html`<tr key=${m.member_id} data-user=${m.member_name}><td data-label="User">${m.member_name}</td>
              <td data-label="Role">${
                manage
                  ? html`<select aria-label=${`Role of ${m.member_name}`} value=${roleOf(m)} data-action="role"
                      onChange=${(e: Event) => setMemberRole(m, (e.currentTarget as HTMLSelectElement).value)}>
                      ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select>`
                  : roleOf(m)
              }</td>
              <td>${
                manage
                  ? html`<button class="btn small link-danger" type="button" data-action="remove"
                      aria-label=${`Remove ${m.member_name}`} onClick=${() => remove(m)}>Remove</button>`
                  : null
              }</td></tr>`,
          )}</tbody></table>`
        : null
    }
    ${
      manage
        ? html`<form class="row-actions" id="domain-invite" onSubmit=${invite} aria-label=${`Invite a user to ${d.name}`}>
          <label class="inline grow">Invite user <input id="domain-invite-user" value=${invitee} required maxlength="254"
            autocomplete="off" spellcheck="false" onInput=${(e: Event) => setInvitee((e.currentTarget as HTMLInputElement).value)} /></label>
          <label class="inline">as <select id="domain-invite-role" value=${role}
            onChange=${(e: Event) => setRole((e.currentTarget as HTMLSelectElement).value)}>
            ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
          <button class="btn primary" type="submit">Invite</button>
        </form>
        <h3>Pending invitations</h3>
        ${invites?.length === 0 ? html`<${Note} kind="empty" id="domain-invitations-empty">No invitation is pending.<//>` : null}
        ${
          invites && invites.length > 0
            ? html`<table class="cards" id="domain-invitations">
              <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Invited by</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${invites.map(
                (
                  i,
                ) => html`<tr key=${i.invitee_user_id} data-user=${i.invitee_name}><td data-label="User">${i.invitee_name}</td>
                  <td data-label="Role">${i.role_name}</td><td data-label="Invited by">${i.invited_by}</td>
                  <td data-label="Expires">${i.expires_at ? fmtDate(Date.parse(i.expires_at)) : "—"}</td>
                  <td><button class="btn small link-danger" type="button" data-action="revoke"
                    aria-label=${`Revoke the invitation of ${i.invitee_name}`} onClick=${() => revoke(i)}>Revoke</button></td></tr>`,
              )}</tbody></table>`
            : null
        }`
        : null
    }
  </section>`;
}
