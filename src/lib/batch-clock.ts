// Date.now() read once per synchronous run (one socket read's batch of messages, each
// routed to every subscriber): every check of that run sees the time the batch arrived,
// so an expired credential is refused from the first read after its expiry, and a fan-out
// of N deliveries costs one clock read instead of N.

/** a clock that reads Date.now() at most once per synchronous run (reset by a microtask) */
export function batchClock(): () => number {
  let t = -1;
  const reset = () => {
    t = -1;
  };
  return () => {
    if (t < 0) {
      t = Date.now();
      queueMicrotask(reset);
    }
    return t;
  };
}
