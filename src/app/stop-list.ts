// How the gateway stops: an ordered list each start phase adds its steps to. Steps run
// stage by stage (STAGES order); within a stage, the step added last runs first. A step
// that fails is logged and the rest still run, so one stuck part cannot keep files open.
// A start that fails half-way runs the same list: whatever was opened is closed again.
import type { Logger } from "../lib/log.ts";

const STAGES = [
  /** stop accepting: new connections are refused, live ones run on */
  "accept",
  /** timers and periodic work (re-check, $SYS, state saves), query processes */
  "services",
  /** the broker tells every client and ends every session */
  "broker",
  /** what the broker fed or what still talks to clients: bridges, sockets, HTTP servers */
  "links",
  /** acknowledged writes reach the disk */
  "writes",
  /** files close */
  "stores",
] as const;
type Stage = (typeof STAGES)[number];

export interface StopList {
  add(stage: Stage, name: string, step: () => unknown): void;
  /** run every step once (later calls get the same promise) */
  run(): Promise<void>;
}

export function createStopList(log: Logger): StopList {
  const steps = new Map<Stage, { name: string; step: () => unknown }[]>(STAGES.map((s) => [s, []]));
  let running: Promise<void> | undefined;
  return {
    add(stage, name, step) {
      if (running) throw new Error(`stop step "${name}" added while stopping`);
      steps.get(stage)?.push({ name, step });
    },
    run: () =>
      (running ??= (async () => {
        for (const stage of STAGES) {
          for (const { name, step } of (steps.get(stage) ?? []).toReversed()) {
            try {
              await step();
            } catch (e) {
              log.error(`stopping ${name} failed`, e);
            }
          }
        }
      })()),
  };
}
