import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { NotificationsProcessor } from '../../src/ingestors/processors/notifications.processor.js';
import { startApp, type TestApp } from '../support/app.js';

describe('Queue and worker Redis connections', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ ROLE: 'worker', SYNC_SCHEDULES_ENABLED: 'false', REDIS_COMMAND_TIMEOUT_MS: '700' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should give producers a fail-fast connection and workers a patient one, on the same key prefix', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    const producer = (await queue.getBackend().client).options;
    expect(producer).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 700,
    });

    const worker = t.app.get(NotificationsProcessor).worker;
    await worker.waitUntilReady();
    const backend = worker.getBackend();
    for (const client of [await backend.client, await backend.blockingClient]) {
      expect(client?.options).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      expect(client?.options['commandTimeout']).toBeUndefined();
    }
    expect(worker.opts.prefix).toBe(queue.opts.prefix);
    expect(worker.opts.prefix).toBe(`${t.config.redisKeyPrefix}:bull`);
  });
});
