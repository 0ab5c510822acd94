import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { TEST_REDIS_URL } from './test-env.js';

export interface TestApp {
  readonly app: NestExpressApplication;
  readonly config: AppConfig;
  readonly dataSource: DataSource;
  /** A fresh supertest client for the app's HTTP server. */
  http(): supertest.Agent;
  close(): Promise<void>;
}

/** A key prefix unique to one app instance, inside the run's prefix (cleaned up by the global teardown). */
export function uniqueRedisPrefix(): string {
  return `${inject('redisPrefix')}:${randomBytes(4).toString('hex')}`;
}

/**
 * Boots the real application (real Postgres database of this run, real Redis) with the given environment on top
 * of test defaults. Each instance gets its own Redis prefix unless one is given, so rate-limit counters and
 * queues of parallel test files never mix.
 */
export async function startApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_SIZE: '4',
    // Two test files and their apps share two cores: a production-sized Redis timeout would fail healthy commands
    // under that load. Outage tests set the production value themselves.
    REDIS_COMMAND_TIMEOUT_MS: '5000',
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  return {
    app,
    config,
    dataSource: app.get(DataSource),
    http: () => supertest.agent(app.getHttpServer()),
    close: () => app.close(),
  };
}
