import pg from 'pg';

const DB_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/**
 * Creates the database named in `url` when it does not exist yet, by way of the server's `postgres` maintenance
 * database. For development and sandboxes only: production databases are provisioned, not conjured.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!DB_NAME.test(name)) {
    return false;
  }
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if ((err as { code?: unknown }).code !== '3D000') {
      throw err;
    }
  } finally {
    await probe.end().catch(() => undefined);
  }
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    return true;
  } catch (err) {
    // Another process created it between our probe and this statement.
    if ((err as { code?: unknown }).code === '42P04') {
      return false;
    }
    throw err;
  } finally {
    await admin.end();
  }
}
