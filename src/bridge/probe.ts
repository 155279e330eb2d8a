// The cheap reachability check the bridge runs while it backs off: a plain TCP connect to
// the upstream's host and port, closed at once (no TLS, no MQTT session set-up). One SYN a
// second costs a down upstream nothing, and the uplink comes back within about a second
// of the upstream being reachable again, whatever the back-off has grown to.
import { defaultPort } from "./transport.ts";

/** true when a TCP connection to the address's host and port opens within `timeoutMs` */
export async function reachable(address: string, timeoutMs: number): Promise<boolean> {
  const u = new URL(address);
  const hostname = u.hostname.replace(/^\[|\]$/g, "");
  return await new Promise<boolean>((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => settle(false), timeoutMs);
    Bun.connect({
      hostname,
      port: defaultPort(u),
      socket: {
        open(s) {
          settle(true);
          s.end();
        },
        data() {},
        connectError() {
          settle(false);
        },
        error() {
          settle(false);
        },
      },
    }).then(
      (s) => {
        if (settled) s.end();
      },
      () => settle(false),
    );
  });
}
