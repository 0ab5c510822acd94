import 'reflect-metadata';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { loadDotEnv } from '../../config/dotenv.js';
import { dataSourceOptions } from '../../database/data-source-options.js';
import type { JobDataByQueue, QueueName } from '../queue/queue-names.js';

/**
 * Runs an ops command that reads the database and queues jobs for the service's workers, then closes both;
 * exits 2 when DATABASE_URL or REDIS_URL is missing (loaded from .env like the service).
 */
export async function withDatabaseAndQueue<Q extends QueueName>(
  applicationName: string,
  queueName: Q,
  run: (ds: DataSource, queue: Queue<JobDataByQueue[Q]>) => Promise<number>,
): Promise<number> {
  loadDotEnv();
  const url = process.env['DATABASE_URL'];
  const redisUrl = process.env['REDIS_URL'];
  if (url === undefined || url === '' || redisUrl === undefined || redisUrl === '') {
    console.error('Invalid configuration: DATABASE_URL and REDIS_URL are needed');
    return 2;
  }
  const ds = new DataSource(dataSourceOptions({ url, poolSize: 2, applicationName }));
  // Same queue and key prefix as the service (QueueModule), so the jobs reach its workers.
  const queue = new Queue<JobDataByQueue[Q]>(queueName, {
    connection: { url: redisUrl, maxRetriesPerRequest: 1 },
    prefix: `${process.env['REDIS_KEY_PREFIX'] ?? 'ohe'}:bull`,
  });
  await ds.initialize();
  try {
    return await run(ds, queue);
  } finally {
    await queue.close();
    await ds.destroy();
  }
}
