// Small DOM and formatting helpers for the neo web UI (no framework).

export const el = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
};

export const pad = (n: number) => String(n).padStart(2, "0");
export function fmtDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function dateInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
export function ago(ms: number | null): string {
  if (ms === null) return "never";
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return fmtDate(ms);
}
/** Create an element, assign DOM properties (textContent, className, ...) and append children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: object = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e: HTMLElementTagNameMap[K] = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(msg: string, bad = false): void {
  const t = el("toast");
  t.textContent = msg;
  t.className = bad ? "toast bad" : "toast";
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 3500);
}

export function showError(id: string, msg: string | null): void {
  const e = el(id);
  e.textContent = msg ?? "";
  e.hidden = !msg;
}

export async function busy<T>(btn: HTMLButtonElement, fn: () => Promise<T>): Promise<T> {
  btn.disabled = true;
  try {
    return await fn();
  } finally {
    btn.disabled = false;
  }
}

export function confirmDialog(title: string, text: string, action: string): Promise<boolean> {
  const d = el<HTMLDialogElement>("confirm-dialog");
  el("confirm-title").textContent = title;
  el("confirm-text").textContent = text;
  el("confirm-yes").textContent = action;
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      d.close();
      el("confirm-yes").onclick = null;
      el("confirm-no").onclick = null;
      resolve(v);
    };
    el("confirm-yes").onclick = () => done(true);
    el("confirm-no").onclick = () => done(false);
    d.oncancel = () => resolve(false);
    d.showModal();
  });
}

export async function copy(text: string, area: HTMLTextAreaElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Plain http on a LAN address is not a secure context: fall back to a selection copy.
    area.select();
    document.execCommand("copy");
  }
  toast("Copied to clipboard");
}

export function download(name: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
