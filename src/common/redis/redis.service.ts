import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.js';
import { failFastRedisOptions } from './redis-options.js';

/**
 * The process's general-purpose Redis connection (rate limits, shared counters, health). Commands fail fast
 * while Redis is unreachable or silent (REDIS_COMMAND_TIMEOUT_MS) instead of queueing, so callers can degrade
 * rather than hang a request.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis;

  constructor(private readonly config: AppConfig) {
    this.client = new Redis(failFastRedisOptions(config.redisUrl, config.failFast.redisCommandTimeoutMs));
    this.client.on('error', (err: Error) => {
      this.logger.warn(`Redis connection problem: ${err.message}`);
    });
  }

  /** Prefixes a key with this deployment's REDIS_KEY_PREFIX, so several deployments can share one Redis. */
  key(...parts: string[]): string {
    return [this.config.redisKeyPrefix, ...parts].join(':');
  }

  async onModuleInit(): Promise<void> {
    // Give the connection a moment so the first requests do not fail, but never block start-up on Redis.
    if (this.client.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        this.client.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
