// When the uplink is down: the next full connect attempt after the back-off (1 s doubling
// to 60 s, jittered), and meanwhile, while the upstream was unreachable (no TCP connection
// opened), a plain TCP probe every second: when one opens, the full attempt starts at once.
// So the bridge is back within about a second of the upstream being reachable after any
// outage length, a down upstream gets one SYN a second, and an upstream that is reachable
// but refuses us (TLS, CONNACK, no answer) is tried only at the back-off's pace.
import { nextDelay } from "./pacing.ts";
import { reachable } from "./probe.ts";

const PROBE_EVERY_MS = 1000;

export interface RedialDeps {
  address: string;
  /** start a full connect attempt */
  dial(): void;
  /** the back-off delay just chosen (for the log) */
  onWait?(ms: number): void;
  /** back-off before attempt n (0-based); default nextDelay */
  delay?(attempt: number): number;
  /** probe one address (tests replace it) */
  probe?(address: string, timeoutMs: number): Promise<boolean>;
}

export interface Redial {
  /** the last attempt failed or the connection ended; `reached` = a TCP connection had opened */
  failed(reached: boolean): void;
  /** connected: the back-off starts again from 1 s */
  connected(): void;
  /** no attempt, no probe until the next failed() */
  stop(): void;
}

export function createRedial(deps: RedialDeps): Redial {
  const probe = deps.probe ?? reachable;
  const delay = deps.delay ?? ((n: number) => nextDelay(n));
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let probeTimer: ReturnType<typeof setInterval> | undefined;
  let probing = false;

  const clear = () => {
    if (timer) clearTimeout(timer);
    if (probeTimer) clearInterval(probeTimer);
    timer = undefined;
    probeTimer = undefined;
  };
  const dialNow = () => {
    clear();
    deps.dial();
  };
  const probeOnce = () => {
    if (probing) return;
    probing = true;
    probe(deps.address, PROBE_EVERY_MS)
      .then((ok) => {
        if (ok && probeTimer) dialNow();
      })
      .catch(() => {})
      .finally(() => {
        probing = false;
      });
  };

  return {
    failed(reached) {
      if (timer) return;
      const ms = delay(attempt++);
      deps.onWait?.(ms);
      timer = setTimeout(dialNow, ms);
      if (!reached) probeTimer = setInterval(probeOnce, PROBE_EVERY_MS);
    },
    connected() {
      attempt = 0;
      clear();
    },
    stop: clear,
  };
}
