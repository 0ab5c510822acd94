/**
 * Wraps `fn` so it runs at most once per `everyMs`, dropping the calls in between: during an outage every request
 * fails the same way, and one log line per period says as much as thousands.
 */
export function atMostEvery<A extends unknown[]>(
  everyMs: number,
  fn: (...args: A) => void,
): (...args: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (...args: A) => {
    const now = Date.now();
    if (now - last >= everyMs) {
      last = now;
      fn(...args);
    }
  };
}
