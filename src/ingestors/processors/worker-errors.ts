import type { Logger } from '@nestjs/common';

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
