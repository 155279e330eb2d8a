// setTimeout for delays past what a timer holds (2^31-1 ms, ~24.8 days): MQTT 5 expiry
// intervals go up to 136 years.

const MAX_TIMER = 2 ** 31 - 1;

/** setTimeout that survives delays beyond ~24.8 days (v5 expiry intervals go to 136 years). */
export function longTimeout(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
  const due = Date.now() + ms;
  const arm = (left: number): ReturnType<typeof setTimeout> =>
    setTimeout(
      () => {
        const rest = due - Date.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.min(left, MAX_TIMER),
    );
  return arm(ms);
}
