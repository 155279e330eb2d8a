// Browsers must not be able to act on the gateway behind its operator's back:
//  - Host must name this gateway (its listen address, an IP, localhost, its host name or
//    Http.AllowedHosts): a page on a DNS-rebound name is refused;
//  - a state-changing request (anything but GET/HEAD/OPTIONS) or a WebSocket upgrade that
//    a browser marks cross-site (Sec-Fetch-Site) or that comes from another Origin is refused;
// (/db/write also needs a Content-Type a cross-site form cannot send: routes/write.ts.)
// curl, mosquitto-style scripts and other non-browser clients send no Origin and no
// Sec-Fetch-Site, so these checks never stand in their way.
import { hostname } from "node:os";
import { isIP } from "../lib/ip.ts";
import { failure } from "../lib/http/respond.ts";

export interface SiteRules {
  /** the address the server listens on */
  listenHost: string;
  /** Http.AllowedHosts, lower case */
  allowedHosts: readonly string[];
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

let machineNames: string[] | null = null;
function ownNames(): string[] {
  if (machineNames) return machineNames;
  const h = hostname().toLowerCase();
  machineNames = h ? [h, `${h}.local`] : [];
  return machineNames;
}

/** "Host: name:port" / "[::1]:port" -> "name" / "::1" */
export function hostOnly(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") > 0 ? h.indexOf("]") : undefined);
  const colon = h.lastIndexOf(":");
  return colon > 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}

/** Is `name` (no port) a name this gateway answers to? */
export function knownHost(name: string, rules: SiteRules): boolean {
  const n = name.replace(/\.$/, "");
  if (n === "" || isIP(n) !== 0) return true; // an IP address cannot be rebound
  if (n === "localhost" || n.endsWith(".localhost")) return true;
  // a rebinding attacker needs a name in a public DNS zone; a single label is a local name
  if (!n.includes(".")) return true;
  if (n === rules.listenHost.toLowerCase()) return true;
  return rules.allowedHosts.includes(n) || ownNames().includes(n);
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/** A refusal for a request a browser could have been tricked into sending, or null. */
export function checkSite(req: Request, rules: SiteRules): Response | null {
  const host = req.headers.get("host");
  if (host !== null && !knownHost(hostOnly(host), rules)) {
    return failure(
      403,
      `Host "${hostOnly(host)}" is not a name of this gateway (add it to Http.AllowedHosts if it is)`,
    );
  }
  const upgrade = req.headers.get("upgrade")?.toLowerCase() === "websocket";
  if (SAFE.has(req.method) && !upgrade) return null;
  const fetchSite = req.headers.get("sec-fetch-site")?.toLowerCase();
  const origin = req.headers.get("origin");
  if (origin !== null) {
    const from = originHost(origin);
    const same = from !== null && host !== null && from === host.trim().toLowerCase();
    if (!same && !(from !== null && rules.allowedHosts.includes(hostOnly(from)))) {
      return failure(403, `cross-site request refused (Origin ${origin})`);
    }
  } else if (fetchSite === "cross-site" || fetchSite === "same-site") {
    return failure(403, "cross-site request refused (Sec-Fetch-Site)");
  }
  return null;
}
