// The running listeners of one service by name (Listener blocks, or the one of Listen +
// Tls), MQTT's and HTTP's alike. A reload reconciles them with the new settings: a
// listener whose socket settings changed (address, transport, TLS rules) is swapped
// (swap-listener.ts), a new one starts, a removed one stops and closes ITS connections;
// the others, and their connections, are not touched. Token and scope rules are not
// socket settings: they are read per CONNECT / per request.
import type { ListenConfig, ResolvedListener } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import { sameAddress, swapListener } from "./swap-listener.ts";

/** the part of a service's settings a listener set reads */
export interface ServiceSettings<B> {
  listen: ListenConfig;
  tls: { enabled: boolean; clientAuth: string; certFile?: string; keyFile?: string };
  listeners?: B[];
}

/** what differs between MQTT's and HTTP's listeners */
export interface ListenerKind<S, R extends ResolvedListener<string>, L> {
  /** "MQTT", "HTTP": in log lines */
  what: string;
  resolve(s: S): R[];
  /** does this transport use the server certificate (renewed files start it again)? */
  secure(r: R): boolean;
  start(s: S, r: R): Promise<L>;
  /** a swapped-out listener lets go of its socket (`next`: the rules that replace it) */
  retire(old: L, was: R, next: R): void;
  /** a removed listener: its own connections end, no one else's */
  remove(l: L): void;
  /** "tls://127.0.0.1:8883" */
  describe(l: L): string;
}

interface Running<R, L> {
  rules: R;
  listener: L;
}

export interface ListenerSet<S, R extends ResolvedListener<string>, L> {
  /** by name, in the order of the config */
  running: Map<string, Running<R, L>>;
  start(s: S, r: R): Promise<L>;
  startAll(s: S): Promise<void>;
  /**
   * Bring the running listeners in line with `next`; returns what changed and what failed
   * (a failed one keeps its old listener, or none when it was new). `renewTls`: the server
   * certificate files were replaced, every listener that uses them loads them again.
   */
  reconcile(prev: S, next: S, log: Logger, renewTls?: boolean): Promise<{ done: string[]; failed: string[] }>;
  /** the rules that really run, as settings: what a failed reload kept */
  runningSettings(prev: S, next: S): S;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function createListenerSet<
  B extends { name: string },
  S extends ServiceSettings<B>,
  R extends ResolvedListener<string>,
  L,
>(kind: ListenerKind<S, R, L>): ListenerSet<S, R, L> {
  /** what the socket itself depends on (its name too: every connection and request carries it) */
  const socketOf = (s: S, l: R) => [
    l.name,
    l.transport,
    l.listen,
    kind.secure(l) ? [l.clientAuth, s.tls.certFile, s.tls.keyFile] : null,
  ];
  const label = (l: R) => (l.named ? `${kind.what} listener "${l.name}"` : `${kind.what} listener`);

  const set: ListenerSet<S, R, L> = {
    running: new Map(),
    start: (s, r) => kind.start(s, r),
    async startAll(s) {
      for (const l of kind.resolve(s)) set.running.set(l.name, { rules: l, listener: await kind.start(s, l) });
    },
    async reconcile(prev, next, log, renewTls = false) {
      const done: string[] = [];
      const failed: string[] = [];
      const old = new Map(set.running);
      const fresh = new Map<string, Running<R, L>>();
      for (const l of kind.resolve(next)) {
        // the same name, else the one listener (Tls switched on or off), else one on the same address
        const mine =
          old.get(l.name) ??
          (l.named ? undefined : [...old.values()].find((r) => !r.rules.named)) ??
          [...old.values()].find((r) => sameAddress(r.rules.listen, l.listen));
        if (mine && same(socketOf(prev, mine.rules), socketOf(next, l)) && !(renewTls && kind.secure(l))) {
          old.delete(mine.rules.name);
          fresh.set(l.name, { rules: l, listener: mine.listener });
          // token rule, AnonymousScopes, Credentials: read per CONNECT / request, the socket stays
          if (!same(mine.rules, l)) done.push(`${label(l)} rules`);
          continue;
        }
        if (mine) old.delete(mine.rules.name);
        try {
          const r = mine
            ? await swapListener({
                samePort: sameAddress(mine.rules.listen, l.listen),
                current: mine.listener,
                start: () => kind.start(next, l),
                restore: () => kind.start(prev, mine.rules),
                release: (x) => kind.retire(x, mine.rules, l),
              })
            : { ok: true, listener: await kind.start(next, l) };
          if (r.ok) {
            fresh.set(l.name, { rules: l, listener: r.listener });
            done.push(`${label(l)} ${kind.describe(r.listener)}`);
          } else {
            if (mine) fresh.set(mine.rules.name, { rules: mine.rules, listener: r.listener });
            failed.push(`${label(l)} (kept the old settings)`);
            log.error(
              `reload: the new ${label(l)} could not start; the old settings stay`,
              "error" in r ? r.error : "",
            );
          }
        } catch (e) {
          failed.push(`${label(l)} (${mine ? "NOTHING listens there now" : "not started"})`);
          log.error(`reload: ${label(l)} could not start`, e);
        }
      }
      for (const r of old.values()) {
        kind.remove(r.listener);
        done.push(`${label(r.rules)} removed`);
      }
      set.running = fresh;
      return { done, failed };
    },
    runningSettings(prev, next) {
      const rules = [...set.running.values()].map((r) => r.rules);
      if (rules.some((r) => !r.named)) {
        const { listeners: _gone, ...rest } = next;
        return { ...rest, listen: prev.listen, tls: prev.tls } as S;
      }
      // each running listener with the block it runs by: the new one, or the old one it kept
      const blockOf = (r: R) =>
        [...(next.listeners ?? []), ...(prev.listeners ?? [])].find(
          (x) =>
            x.name === r.name &&
            same([(x as unknown as R).transport, (x as unknown as R).listen], [r.transport, r.listen]),
        );
      return { ...next, listeners: rules.flatMap((r) => blockOf(r) ?? []) };
    },
  };
  return set;
}
