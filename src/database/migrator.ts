import type { DataSource, Migration } from 'typeorm';

// Arbitrary constant: all instances of this service agree on it, so only one of them migrates at a time.
const MIGRATION_LOCK_KEY = 7_164_813_220;

/**
 * Runs pending migrations under a Postgres advisory lock, so several replicas starting at once do not race
 * each other through the same migration.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
