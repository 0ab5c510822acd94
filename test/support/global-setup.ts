import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrator.js';
import { adminQuery, databaseUrlFor, TEST_REDIS_URL } from './test-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisPrefix: string;
  }
}

/**
 * One database and one Redis key prefix per test run, so concurrent runs (two developers, CI) never collide.
 * Migrations run once here, exactly as `npm run migration:run` would; teardown drops both.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbName = `ohe_test_${runId}`;
  const redisPrefix = `ohe-test-${runId}`;
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  const databaseUrl = databaseUrlFor(dbName);

  const dataSource = new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 2 }));
  await dataSource.initialize();
  await runMigrations(dataSource);
  await dataSource.destroy();

  project.provide('databaseUrl', databaseUrl);
  project.provide('redisPrefix', redisPrefix);

  return async () => {
    await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) {
          await redis.unlink(...keys);
        }
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  };
}
