// Creates or drops a scratch database for CI's migration check: node scripts/ci-database.mjs create|drop <name>
import pg from 'pg';

const [command, name] = process.argv.slice(2);
if (!/^[a-z0-9_]{1,63}$/.test(name ?? '') || !['create', 'drop'].includes(command ?? '')) {
  console.error('usage: ci-database.mjs create|drop <name>');
  process.exit(2);
}
const client = new pg.Client({
  connectionString: process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
await client.connect();
try {
  await client.query(
    command === 'create' ? `CREATE DATABASE "${name}"` : `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
  );
} finally {
  await client.end();
}
