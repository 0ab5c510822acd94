import { Redis } from 'ioredis';
import pg from 'pg';

const DB_NAME = /^[A-Za-z0-9_]{1,54}$/;

/** The sandbox's own database beside the configured one: `ohe` → `ohe_sandbox`. Never the configured one. */
export function sandboxDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!DB_NAME.test(name)) {
    throw new Error(`DATABASE_URL names a database the sandbox cannot derive its own from: "${name}"`);
  }
  url.pathname = `/${name}_sandbox`;
  return url.toString();
}

/**
 * Drops and recreates the sandbox database. The simulators forget their accounts at every start, so the links,
 * tokens and sync bookkeeping of an earlier start would only point at accounts that no longer exist.
 */
export async function recreateDatabase(sandboxUrl: string): Promise<void> {
  const target = new URL(sandboxUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name.endsWith('_sandbox')) {
    throw new Error(`refusing to recreate "${name}": only *_sandbox databases are reset`);
  }
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Removes every key under the sandbox's Redis prefix (queues, locks, breakers, counters of an earlier start). */
export async function clearRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) {
        removed += await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
