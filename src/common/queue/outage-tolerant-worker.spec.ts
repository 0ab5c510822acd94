import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { failFastRedisOptions } from '../redis/redis-options.js';
import { workerConnection } from './outage-tolerant-worker.js';

describe(workerConnection.name, () => {
  it("should turn the producers' fail-fast options into ones a blocking worker can live with", () => {
    const producer = failFastRedisOptions('redis://:pw@cache:6380/2', 500);
    expect(workerConnection(producer)).toEqual({
      ...producer,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    expect(workerConnection(producer)).toMatchObject({ host: 'cache', port: 6380, db: 2, password: 'pw' });
  });

  it('should leave a ready-made client alone', () => {
    const client = new Redis({ lazyConnect: true });
    expect(workerConnection(client)).toBe(client);
    client.disconnect();
  });
});
