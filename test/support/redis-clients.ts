import { Redis, type RedisOptions } from 'ioredis';
import { redisOptionsFromUrl } from '../../src/common/redis/redis-options.js';
import { TEST_REDIS_URL } from './test-env.js';

/**
 * Separate Redis connections, as separate worker processes would have, configured like RedisService's (fail fast,
 * no offline queue). A client aimed at port 1 is left unconnected, to stand for an unreachable Redis.
 */
export class RedisClients {
  private readonly clients: Redis[] = [];

  async connect(options: RedisOptions = redisOptionsFromUrl(TEST_REDIS_URL)): Promise<Redis> {
    const client = new Redis({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      ...options,
    });
    client.on('error', () => undefined);
    this.clients.push(client);
    if (options.port !== 1) {
      await client.connect();
    }
    return client;
  }

  /** The first connection made, or a new one. */
  async any(): Promise<Redis> {
    return this.clients[0] ?? this.connect();
  }

  closeAll(): void {
    for (const client of this.clients.splice(0)) {
      client.disconnect();
    }
  }
}
