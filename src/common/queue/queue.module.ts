import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { queueConnectionLogger } from './queue-connection-logger.js';
import { ALL_QUEUES } from './queue-names.js';

const THIRTY_DAYS_S = 30 * 24 * 3600;

/**
 * BullMQ on REDIS_URL, with every queue of QueueName registered once. Processors live in the modules that own
 * the work and are only bound in processes that run workers (ROLE=all|worker).
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: {
          url: config.redisUrl,
          // Workers block on Redis; BullMQ requires unlimited retries per request for them.
          maxRetriesPerRequest: null,
        },
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
