import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where the tests find Postgres and Redis. The defaults are the servers every development and CI machine runs;
 * TEST_PG_URL / TEST_REDIS_URL point elsewhere.
 */
export const ADMIN_DATABASE_URL = process.env['TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function databaseUrlFor(dbName: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Runs one statement on the admin database (CREATE/DROP DATABASE and the like). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A database of one test file's own, for tests that count rows a whole-table scan sees (the reconciler, retention):
 * other files share the run's database and their rows would count too. Migrated by the app (MIGRATE_ON_START).
 */
export async function ownDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ohe_${label}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  return {
    url: databaseUrlFor(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
