// What each step of the start costs: laps since the previous step, logged at debug level by
// gateway.ts (`neo serve --log-level debug`); bench/micro/start-cost.ts prints the line and
// docs/performance.md the table. performance.now() counts from the exec.

export interface StartTimes {
  /** the step that just ended (time since the previous lap) */
  lap(step: string): void;
  /** `exec -> gateway 30.1 ms, pki 1.2 ms, ...; serving 61.0 ms after the exec` */
  line(): string;
}

export function createStartTimes(): StartTimes {
  let last = performance.now();
  const laps: string[] = [`exec -> gateway ${last.toFixed(1)} ms`];
  return {
    lap(step) {
      const now = performance.now();
      laps.push(`${step} ${(now - last).toFixed(1)} ms`);
      last = now;
    },
    line: () => `${laps.join(", ")}; serving ${performance.now().toFixed(1)} ms after the exec`,
  };
}
