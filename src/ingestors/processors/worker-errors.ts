import type { Logger } from '@nestjs/common';

/**
 * A job whose worker dies keeps its lock only lockDuration (renewed every half of it while the worker lives);
 * the stalled checker then returns it to the wait list for another worker. A job that stalls a third time is
 * failed ("job stalled more than allowable limit") and kept in the failed set: it is killing its workers.
 * A dead worker's job is picked up at the first check after its lock expired, so within lockDuration +
 * stalledInterval: 45 s here. With a 30 s interval that worst case was the 60 s the service promises, and the
 * chaos suite's worker kills under load measured 65 s.
 */
export const STALLED_JOBS = { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 2 } as const;

/**
 * Without an 'error' listener BullMQ prints every failed Redis reconnect to stderr; one log line a minute per
 * worker is enough.
 */
export function throttledWorkerErrorLog(logger: Logger): (err: Error) => void {
  let last = 0;
  return (err: Error) => {
    const now = Date.now();
    if (now - last >= 60_000) {
      last = now;
      logger.warn(`worker cannot reach Redis: ${err.message}`);
    }
  };
}
