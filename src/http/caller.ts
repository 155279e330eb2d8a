// Who sent this request: the credential in the forms the route accepts is read once and
// handed to auth's identify(), every request, no cache. A credential that is sent is
// ALWAYS checked, token auth on or off, and a form the route does not take is still
// checked: a valid one gets 403 (it may not be used here), a wrong one 401. Only a
// request that sends nothing is anonymous, and only where the route allows it while
// Http.EnableTokenAuth is off. This file maps the outcome to HTTP; the runner audits it.
import { bearerKind, type Credentials, type Identified, type Identity, refusal } from "../auth/index.ts";
import type { CredentialForm } from "../config/index.ts";
import { failure } from "../lib/http/respond.ts";
import type { Form, Who } from "./route.ts";
import type { FrontPeer } from "../lib/tls-front.ts";

/** The part of auth the HTTP server uses. */
export interface HttpIdentify {
  identify(c: Credentials): Identity;
  /** record LAST USED once every check of the request passed */
  markUsed?(clientId: string): void;
}

export const SESSION_COOKIE = "neo_session";

/** what the request presented, before anyone looked it up */
export interface Presented {
  form: Form;
  token?: string;
  username?: string;
  password?: string;
}

export type Caller =
  | { ok: true; principal: Identified; presented?: Presented }
  | {
      ok: false;
      response: Response;
      /** a credential was sent and it was wrong: the brute-force guard counts it */
      guess: boolean;
      presented?: Presented;
      reason: string;
      /** identify()'s own reason, for the log (never the secret) */
      detail?: string;
      /** who the credential claimed to be (a client id, `user:<name>`), when known */
      claimed?: string;
    };

const CLIENT = /^\s*(?:bearer|thing|client)\s+(\S+)\s*$/i;
const BASIC = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i;
const SCHEME = /^\s*(?:bearer|thing|client)\s+/i;

/** a bearer value's form by its prefix (auth knows the prefixes) */
const formOf = (token: string): Form => bearerKind(token);

function sessionCookie(req: Request): string | undefined {
  const h = req.headers.get("cookie");
  if (!h) return undefined;
  for (const part of h.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim() || undefined;
  }
  return undefined;
}

/** the credential sent, undefined for none, a string for a header that cannot be read */
export function presented(req: Request, url: URL, who: Who): Presented | undefined | string {
  const things = who.forms.includes("mainflux");
  const h = req.headers.get("authorization");
  if (h !== null) {
    const t = CLIENT.exec(h)?.[1];
    if (t !== undefined) return { form: formOf(t), token: t };
    const basic = things ? BASIC.exec(h) : null;
    if (basic) {
      const text = Buffer.from(basic[1]!, "base64").toString("utf8");
      const i = text.indexOf(":");
      if (i > 0) return { form: "mainflux", username: text.slice(0, i), password: text.slice(i + 1) };
    }
    const bare = h.trim();
    if ((things || who.bare === true) && bare !== "" && !/\s/.test(bare)) return { form: formOf(bare), token: bare };
    return things
      ? "malformed authorization header: use Authorization: Thing <token> (or Client, Bearer)"
      : "malformed authorization header: use Authorization: Bearer <token>";
  }
  if (things) {
    const q = url.searchParams.get("authorization")?.replace(SCHEME, "").trim();
    if (q) return { form: formOf(q), token: q };
  }
  if (who.forms.includes("cookie")) {
    const c = sessionCookie(req);
    if (c) return { form: "cookie", token: c };
  }
  return undefined;
}

const LABEL: Record<Form, string> = {
  token: "a client token",
  mainflux: "a client token",
  cert: "a client certificate",
  access_key: "a login access key",
  pat: "a personal access token",
  session: "a web session",
  cookie: "a web session",
};

/** is this form one the route takes? (a client token in a Mainflux form is a client token) */
function accepted(who: Who, form: Form): boolean {
  if (who.forms.includes(form)) return true;
  if (form === "cookie") return false;
  return form === "mainflux" && who.forms.includes("token");
}

export interface IdentifyOptions {
  auth: HttpIdentify;
  /** Http.EnableTokenAuth, read per request */
  tokenAuth: boolean;
  peer?: FrontPeer;
  /** the named listener the request came in on (its AnonymousScopes apply) */
  listener?: string;
  /** the credential forms that listener accepts (Http.Listener Credentials; absent = all) */
  accept?: readonly CredentialForm[];
}

export function identifyCaller(req: Request, url: URL, who: Who, o: IdentifyOptions): Caller {
  const realm = who.realm ?? "Bearer";
  const challenge = { "www-authenticate": `${realm} realm="neo"` };
  let detail: string | undefined;
  let claimed: string | undefined;
  const refuse = (status: number, reason: string, guess: boolean, p?: Presented, headers = {}): Caller => ({
    ok: false,
    response: failure(status, reason, headers),
    guess,
    reason,
    ...(p ? { presented: p } : {}),
    ...(detail ? { detail } : {}),
    ...(claimed ? { claimed } : {}),
  });
  const sent = presented(req, url, who);
  if (typeof sent === "string") return refuse(401, sent, true, undefined, challenge);
  const cert = who.forms.includes("cert") ? o.peer?.cert : undefined;
  const anonymous = sent === undefined && !cert && who.anonymous === true && !o.tokenAuth;
  let r: Identity;
  if (sent === undefined && !cert && !anonymous) {
    r = refusal("missing", "none", "nothing sent");
  } else {
    // every form is identified (sessions too): a valid one the route does not take is a 403 below
    const c: Credentials = {
      allowAnonymous: anonymous,
      sessions: true,
      ...(o.listener !== undefined ? { listener: o.listener } : {}),
      ...(o.accept ? { accept: o.accept } : {}),
      ...(who.enrollments ? { enrollments: true } : {}),
      ...(sent?.form === "cookie" ? { session: sent.token! } : sent?.token !== undefined ? { token: sent.token } : {}),
      ...(sent?.username !== undefined ? { username: sent.username, password: sent.password ?? "" } : {}),
      ...(cert
        ? {
            certificate: {
              cn: cert.cn,
              fingerprint256: cert.fingerprint256,
              ...(cert.der ? { der: cert.der } : {}),
              ...(o.peer ? { address: o.peer.remoteAddress } : {}),
            },
          }
        : {}),
    };
    r = o.auth.identify(c);
  }
  const shown = sent ?? (cert ? { form: "cert" as const } : undefined);
  if (r.ok) {
    if (shown && !accepted(who, shown.form))
      return refuse(403, `${LABEL[shown.form]} cannot be used here`, false, shown);
    return { ok: true, principal: r.principal, ...(shown ? { presented: shown } : {}) };
  }
  detail = r.reason;
  claimed = r.claimed;
  if (r.form === "certificate" && r.kind !== "unavailable" && r.kind !== "mismatch")
    return refuse(401, "invalid client certificate", true, shown);
  switch (r.kind) {
    case "unavailable":
      return refuse(503, "authentication unavailable, try again", false, shown);
    case "missing":
      return refuse(
        401,
        realm === "Thing"
          ? "missing credentials: send Authorization: Thing <token> or a client certificate"
          : who.forms.includes("token")
            ? "missing authorization token"
            : "missing authorization: use Authorization: Bearer <access key>",
        false,
        shown,
        challenge,
      );
    case "not_here":
      return refuse(403, `${LABEL[shown?.form ?? "token"]} cannot be used here`, false, shown);
    case "mismatch":
      return cert
        ? refuse(403, "token and client certificate belong to different clients", false, shown)
        : refuse(401, "invalid client id or token", true, shown, challenge);
    case "invalid_scopes":
      return refuse(403, "this key's stored scopes are invalid; fix them with neo shell key scope", false, shown);
    default: {
      const session = shown?.form === "session" || shown?.form === "cookie";
      const reason = session ? r.reason : who.forms.includes("token") ? "invalid token" : "invalid or expired key";
      return refuse(401, reason, true, shown, {
        "www-authenticate": `${realm} realm="neo", error="invalid_token"`,
      });
    }
  }
}
