import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { failFastRedisOptions } from '../redis/redis-options.js';
import { OutageTolerantWorker } from './outage-tolerant-worker.js';
import { queueConnectionLogger } from './queue-connection-logger.js';
import { ALL_QUEUES } from './queue-names.js';

const THIRTY_DAYS_S = 30 * 24 * 3600;

// Processors get workers built from their queue's options (a public extension point of @nestjs/bullmq, meant for
// BullMQ Pro's worker class); this one swaps the producers' fail-fast connection for the blocking one workers need.
BullModule.workerClass = OutageTolerantWorker;

/**
 * BullMQ on REDIS_URL, with every queue of QueueName registered once. Processors live in the modules that own
 * the work and are only bound in processes that run workers (ROLE=all|worker).
 *
 * The queues are producers, used on request paths (webhook intake, OAuth callback, unlink): their connection
 * fails fast (no offline queue, REDIS_COMMAND_TIMEOUT_MS per command) so a Redis outage costs a request a
 * bounded wait, not a hang. Workers wait Redis out instead (OutageTolerantWorker).
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: failFastRedisOptions(config.redisUrl, config.failFast.redisCommandTimeoutMs),
        prefix: `${config.redisKeyPrefix}:bull`,
        defaultJobOptions: {
          // delay · 2^(attempt-1), each wait spread by up to half of itself so retries of a shared outage scatter.
          attempts: config.sync.jobAttempts,
          backoff: { type: 'exponential', delay: config.sync.backoffMs, jitter: 0.5 },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          // The failed set is the dead-letter queue: keep it a month for inspection and replay.
          removeOnFail: { age: THIRTY_DAYS_S },
        },
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [queueConnectionLogger],
  exports: [BullModule],
})
export class QueueModule {}
