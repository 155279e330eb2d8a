// Talks to /web/api/* with the session token (Authorization: Bearer, kept in
// sessionStorage: gone when the tab closes). A 401 anywhere but login ends the session.

export interface ApiReply {
  success: boolean;
  reason: string;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const API = "/web/api";
const SESSION_KEY = "neo.session";
const USER_KEY = "neo.session.user";

let session = sessionStorage.getItem(SESSION_KEY) ?? "";
let signedOut: (message?: string) => void = () => {};

export const currentSession = () => session;
export const currentUser = () => sessionStorage.getItem(USER_KEY) ?? "";

export function onSignedOut(fn: (message?: string) => void): void {
  signedOut = fn;
}

export function setSession(token: string, user: string): void {
  session = token;
  sessionStorage.setItem(SESSION_KEY, token);
  sessionStorage.setItem(USER_KEY, user);
}

export function clearSession(): void {
  session = "";
  sessionStorage.removeItem(SESSION_KEY);
}

const ENDED = "Your session ended. Please sign in again.";

/** `base`: "/web/api" for the console's own API, "" for the gateway's (e.g. GET /audit takes a web session too) */
export async function api<T extends ApiReply>(method: string, path: string, body?: unknown, base = API): Promise<T> {
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "The gateway cannot be reached. Check the network and try again.");
  }
  let reply: ApiReply;
  try {
    reply = (await res.json()) as ApiReply;
  } catch {
    throw new ApiError(res.status, `The gateway answered ${res.status} without details.`);
  }
  if (res.status === 401 && path !== "/login") {
    clearSession();
    signedOut(ENDED);
    throw new ApiError(401, reply.reason);
  }
  if (res.status === 404 && reply.reason?.startsWith("not found"))
    throw new ApiError(404, "This gateway does not offer this page.");
  if (!res.ok || !reply.success) throw new ApiError(res.status, reply.reason || `server answered ${res.status}`);
  return reply as T;
}

/**
 * A file from the API, only when the gateway really sent it: an error reply (JSON, or
 * any non-2xx) is never handed back as the file's content.
 */
export async function apiFile(path: string, expectType: RegExp, post?: unknown): Promise<Uint8Array> {
  let res: Response;
  const headers: Record<string, string> = { authorization: `Bearer ${session}` };
  if (post !== undefined) headers["content-type"] = "application/json";
  try {
    res = await fetch(API + path, {
      method: post === undefined ? "GET" : "POST",
      headers,
      body: post === undefined ? undefined : JSON.stringify(post),
    });
  } catch {
    throw new ApiError(0, "The gateway cannot be reached. Check the network and try again.");
  }
  if (res.status === 401) {
    clearSession();
    signedOut(ENDED);
    throw new ApiError(401, ENDED);
  }
  const type = res.headers.get("content-type") ?? "";
  if (!res.ok || !expectType.test(type)) {
    let reason = `The gateway answered ${res.status} instead of the file.`;
    if (type.includes("json")) {
      const j = (await res.json().catch(() => null)) as ApiReply | null;
      if (j?.reason) reason = `The gateway could not send the file: ${j.reason}`;
    }
    throw new ApiError(res.status, reason);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** POST a query the way /db/query takes it; the reply as JSON */
export async function runQuery(q: string): Promise<QueryReply> {
  const r = await api<ApiReply & QueryReply>("POST", "/console/query", { q, timeformat: "ms" });
  return r;
}

/** the whole result of a query as a file (csv or ndjson), within the gateway's query limits */
export function queryFile(q: string, format: "csv" | "ndjson"): Promise<Uint8Array> {
  return apiFile("/console/query", format === "csv" ? /^text\/csv/ : /^application\/x-ndjson/, { q, format });
}

export interface QueryReply extends ApiReply {
  data: { columns: string[]; types: string[]; rows: unknown[][] };
  truncated?: boolean;
}

/**
 * The gateway's own JSON APIs that answer SuperMQ-style (a plain object, 204 with no
 * body): /pats. A failure's `reason` (or `message`) becomes the error.
 */
export async function gatewayCall<T>(method: string, path: string, body?: unknown): Promise<T | null> {
  const headers: Record<string, string> = { authorization: `Bearer ${session}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "The gateway cannot be reached. Check the network and try again.");
  }
  if (res.status === 401) {
    clearSession();
    signedOut(ENDED);
    throw new ApiError(401, ENDED);
  }
  if (res.status === 204) return null;
  const j = (await res.json().catch(() => null)) as
    | (Record<string, unknown> & { reason?: string; message?: string })
    | null;
  if (!res.ok) throw new ApiError(res.status, j?.reason ?? j?.message ?? `The gateway answered ${res.status}.`);
  return j as T;
}
