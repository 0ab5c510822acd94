import { getQueueToken } from '@nestjs/bullmq';
import { Logger, type FactoryProvider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ALL_QUEUES } from './queue-names.js';

const QUIET_PERIOD_MS = 30_000;

/** Token of the provider below; nothing injects it, it exists for its side effect at start-up. */
export const QUEUE_CONNECTION_LOGGER = Symbol('QueueConnectionLogger');

/**
 * Routes queue connection errors into the JSON log, once per queue per quiet period. Without an 'error'
 * listener BullMQ prints every failed reconnect to stderr, flooding the output while Redis is down. A factory
 * that injects every queue runs right after they are constructed, before their first connection attempt fails.
 */
export const queueConnectionLogger: FactoryProvider<true> = {
  provide: QUEUE_CONNECTION_LOGGER,
  inject: ALL_QUEUES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) => {
    const logger = new Logger('Queue');
    for (const queue of queues) {
      let lastLogged = 0;
      queue.on('error', (err: Error) => {
        const now = Date.now();
        if (now - lastLogged >= QUIET_PERIOD_MS) {
          lastLogged = now;
          logger.warn(`Queue ${queue.name} cannot reach Redis: ${err.message}`);
        }
      });
    }
    return true;
  },
};
